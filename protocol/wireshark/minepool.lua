-- minepool.lua: a Wireshark dissector for the minepool protocol, version 2.
--
-- The wire format is specified in PROTOCOL.md at the root of the repository; the Java codec
-- (protocol/src/main/java/dev/minepool/protocol) implements the same layouts with the same offset names,
-- and the golden bytes in protocol/src/test/resources/golden-messages.txt test both.
--
-- Load it with   tshark -X lua_script:protocol/wireshark/minepool.lua -r capture.pcap
--           or   wireshark -X lua_script:protocol/wireshark/minepool.lua
-- or copy it into the personal plugins folder (~/.local/lib/wireshark/plugins/). It decodes TCP port 3333
-- (preference minepool.port, a range), any other port through Decode As (tcp.port, "MINEPOOL"), and, when
-- the preference minepool.heuristic is on, any TCP connection whose first bytes are a valid G.
--
-- Every message is one ASCII type byte followed by fixed-layout fields, all integers unsigned big-endian.
-- There is no length prefix: framing comes only from the type byte, so an unknown type byte loses the
-- framing of that direction of the connection for good. The dissector then says so and stops guessing.
--
-- Beyond single messages it follows each TCP connection, as Wireshark's DNS and HTTP dissectors do: on the
-- first pass over a capture it builds per-connection state (the miner's name, the G's and S's still waiting
-- for an answer) and records for every message what it links to; later passes (every redraw in the GUI,
-- tshark -2) only read those records back. A tap (Statistics > minepool, tshark -z minepool,tree) counts
-- the messages and the response times from the same records.
--
-- Inside a T it shows the pool's job data: the block header and the transaction region (PROTOCOL.md,
-- "Transactions"), its signed records field by field with their txids. A chain's blocks below its
-- transactions height carry random filler where the region would be; see dissect_region for how the two are
-- told apart.

local PLUGIN_VERSION = "2.1.0"

set_plugin_info({
    version = PLUGIN_VERSION,
    description = "minepool mining pool protocol (version 2): fields, transactions, request/response links, "
        .. "statistics",
    author = "the minepool project",
    repository = "protocol/wireshark/minepool.lua in the minepool repository",
})

-- Wireshark's Lua makes the protocol's short name (Enabled Protocols, Decode As, Preferences) the name in
-- capitals, MINEPOOL. The Protocol column gets a shorter one: Wireshark sizes that column to its header,
-- "Protocol" in the header's proportional font, which leaves room for 6 characters of the packet list's
-- monospace font, so "minepool" would show as "minepo…" (as MINEPOOL showed as "MINEPO…") until the user
-- widens the column. "mpool" fits.
local minepool = Proto("minepool", "Minepool Protocol")
local COLUMN_NAME = "mpool"

local DEFAULT_PORTS = "3333"
local NONCE_SPACE = 4294967296 -- 2^32: exact in a Lua number (a double)

-- Offsets and lengths, named as in Message.java and MessageType.java.
local TYPE_OFFSET = 0

local GET_WORK_NAME_OFFSET = 1
local GET_WORK_NAME_LENGTH = 10
local GET_WORK_LENGTH = 11

local TASK_JOB_OFFSET = 1
local TASK_SLOT_OFFSET = 3
local TASK_SLOT_SIZE_OFFSET = 5
local TASK_ZERO_BITS_OFFSET = 9
local TASK_DATA_LENGTH_OFFSET = 10
local TASK_DATA_OFFSET = 12
local TASK_HEADER_LENGTH = TASK_DATA_OFFSET

local SUBMIT_JOB_OFFSET = 1
local SUBMIT_NONCE_OFFSET = 3
local SUBMIT_LENGTH = 7

-- A, I and R share one layout: the type byte and a job.
local REPLY_JOB_OFFSET = 1
local REPLY_LENGTH = 3

-- Q carries the reason for the goodbye (Message.Quit.Reason); the codes are part of the protocol.
local QUIT_REASON_OFFSET = 1
local QUIT_LENGTH = 2
local QUIT_REASONS = {
    [0] = "the pool is shutting down",
    [1] = "the pool is full",
    [2] = "the pool has too many connections from this address",
    [3] = "the pool refused the miner name",
    [4] = "the miner name changed on the same connection",
    [5] = "too many rejected submits",
}
-- The Q reasons that answer a request (PROTOCOL.md, "Closing connections"): a refused or changed name
-- answers the G, too many rejects answers the S that found the bucket empty.
local QUIT_ANSWERS = { [3] = "G", [4] = "G", [5] = "S" }

-- The pool server's layout of the job data (BlockHeader.java): shown only when the data is long enough.
local HEADER_PREVIOUS_HASH_OFFSET = 0
local HEADER_PREVIOUS_HASH_LENGTH = 32
local HEADER_HEIGHT_OFFSET = 32
local HEADER_TIMESTAMP_OFFSET = 36
local HEADER_EXTRA_NONCE_OFFSET = 44
local HEADER_TRANSACTIONS_OFFSET = 52
local HEADER_LENGTH = HEADER_TRANSACTIONS_OFFSET

-- The transaction region, from byte 52 of the data (TxRegion.java): a u16 count, the records, filler.
local REGION_COUNT_OFFSET = HEADER_TRANSACTIONS_OFFSET
local REGION_COUNT_LENGTH = 2
local REGION_RECORDS_OFFSET = REGION_COUNT_OFFSET + REGION_COUNT_LENGTH

-- The records (NameRegistration.java, Transfer.java), offsets within a record.
local TX_NAME_LENGTH = 10
local TX_KEY_LENGTH = 32
local TX_SIGNATURE_LENGTH = 64
local TX_KIND_OFFSET = 0
-- N: kind, name, public key, signature
local N_NAME_OFFSET = TX_KIND_OFFSET + 1
local N_KEY_OFFSET = N_NAME_OFFSET + TX_NAME_LENGTH
local N_SIGNATURE_OFFSET = N_KEY_OFFSET + TX_KEY_LENGTH
local N_LENGTH = N_SIGNATURE_OFFSET + TX_SIGNATURE_LENGTH
-- X: kind, sender, recipient, amount, nonce, signature
local X_SENDER_OFFSET = TX_KIND_OFFSET + 1
local X_RECIPIENT_OFFSET = X_SENDER_OFFSET + TX_NAME_LENGTH
local X_AMOUNT_OFFSET = X_RECIPIENT_OFFSET + TX_NAME_LENGTH
local X_NONCE_OFFSET = X_AMOUNT_OFFSET + 8
local X_SIGNATURE_OFFSET = X_NONCE_OFFSET + 8
local X_LENGTH = X_SIGNATURE_OFFSET + TX_SIGNATURE_LENGTH
-- The one table of record kinds, as TxKind.java: letter, name and whole length.
local TX_KINDS = {
    [0x4E] = { letter = "N", name = "name registration", length = N_LENGTH },
    [0x58] = { letter = "X", name = "transfer", length = X_LENGTH },
}
local TX_SHORTEST = X_LENGTH -- a count of n records needs at least n times this
local UNITS_PER_COIN = 100000000

local FROM_MINER = "miner"
local FROM_POOL = "pool"

-- The one table that maps a type byte to its name, direction and length (as MessageType.java does).
-- fixed is the whole length, except for T, where it is the header's and the data length is added.
local TYPES = {
    [0x47] = { letter = "G", name = "get work", from = FROM_MINER, fixed = GET_WORK_LENGTH },
    [0x54] = { letter = "T", name = "task", from = FROM_POOL, fixed = TASK_HEADER_LENGTH },
    [0x53] = { letter = "S", name = "submit", from = FROM_MINER, fixed = SUBMIT_LENGTH },
    [0x41] = { letter = "A", name = "accepted", from = FROM_POOL, fixed = REPLY_LENGTH },
    [0x49] = { letter = "I", name = "invalidated", from = FROM_POOL, fixed = REPLY_LENGTH },
    [0x52] = { letter = "R", name = "rejected", from = FROM_POOL, fixed = REPLY_LENGTH },
    [0x51] = { letter = "Q", name = "quit", from = FROM_POOL, fixed = QUIT_LENGTH },
}
-- The order the statistics list the types in: as PROTOCOL.md's table.
local TYPE_ORDER = { "G", "T", "S", "A", "I", "R", "Q" }
local TYPE_BY_LETTER = {}

local tx_kind_names = {}
for byte, k in pairs(TX_KINDS) do
    tx_kind_names[byte] = k.name
end

local type_names = {}
for byte, t in pairs(TYPES) do
    type_names[byte] = t.name
    TYPE_BY_LETTER[t.letter] = t
end

-- Display filter fields: a public interface (listed in README.md); rename none without saying so there.
local f = {
    type = ProtoField.char("minepool.type", "Type", base.NONE, type_names),
    job = ProtoField.uint16("minepool.job", "Job", base.DEC),
    slot = ProtoField.uint16("minepool.slot", "Slot", base.DEC),
    slot_size = ProtoField.uint32("minepool.slot_size", "Slot size", base.DEC),
    nonce_first = ProtoField.uint64("minepool.nonce_first", "First nonce", base.HEX),
    nonce_end = ProtoField.uint64("minepool.nonce_end", "End nonce (exclusive)", base.HEX),
    zero_bits = ProtoField.uint8("minepool.zero_bits", "Zero bits", base.DEC),
    data_len = ProtoField.uint16("minepool.data_len", "Data length", base.DEC),
    data = ProtoField.bytes("minepool.data", "Data"),
    prev_hash = ProtoField.bytes("minepool.prev_hash", "Previous block hash"),
    height = ProtoField.uint32("minepool.height", "Height", base.DEC),
    timestamp = ProtoField.absolute_time("minepool.timestamp", "Timestamp", base.UTC),
    extra_nonce = ProtoField.uint64("minepool.extra_nonce", "Extra-nonce", base.HEX),
    transactions = ProtoField.bytes("minepool.transactions", "Transactions"),
    tx_count = ProtoField.uint16("minepool.tx_count", "Transaction count", base.DEC),
    tx_kind = ProtoField.char("minepool.tx_kind", "Kind", base.NONE, tx_kind_names),
    tx_name = ProtoField.string("minepool.tx_name", "Name", base.UNICODE, "The name an N registers"),
    tx_key = ProtoField.bytes("minepool.tx_key", "Public key", base.NONE, "Ed25519, raw 32 bytes"),
    tx_sender = ProtoField.string("minepool.tx_sender", "Sender", base.UNICODE),
    tx_recipient = ProtoField.string("minepool.tx_recipient", "Recipient", base.UNICODE),
    tx_amount = ProtoField.uint64("minepool.tx_amount", "Amount", base.DEC, nil, 0,
        "Base units: 1 coin = 100,000,000"),
    tx_coins = ProtoField.string("minepool.tx_coins", "Amount in coins", base.ASCII,
        "The amount in coins, exactly, with 8 decimals"),
    tx_nonce = ProtoField.uint64("minepool.tx_nonce", "Nonce", base.DEC, nil, 0,
        "The sender's transfer number: 1, 2, 3, ..."),
    tx_signature = ProtoField.bytes("minepool.tx_signature", "Signature", base.NONE,
        "Ed25519, 64 bytes, over the kind's domain and the record's bytes before it (not checked here)"),
    tx_id = ProtoField.string("minepool.tx_id", "Transaction id", base.ASCII,
        "SHA-256 of the whole record: what the pool's /api/transactions/{txid} takes"),
    tx_filler = ProtoField.bytes("minepool.tx_filler", "Filler", base.NONE,
        "Random bytes after the records, to the end of the data"),
    nonce = ProtoField.uint32("minepool.nonce", "Nonce", base.HEX),
    name = ProtoField.string("minepool.name", "Miner name", base.UNICODE),
    reason = ProtoField.uint8("minepool.reason", "Reason", base.DEC, QUIT_REASONS),
    undecoded = ProtoField.bytes("minepool.undecoded", "Undecodable bytes"),
    -- Generated from the connection's history, not from the message's own bytes (named as DNS names them).
    miner = ProtoField.string("minepool.miner", "Miner", base.UNICODE,
        "The name this connection's first G gave"),
    response_in = ProtoField.framenum("minepool.response_in", "Response in", base.NONE, frametype.RESPONSE,
        0, "The frame that carries the answer to this G or S"),
    response_to = ProtoField.framenum("minepool.response_to", "Request in", base.NONE, frametype.REQUEST,
        0, "The frame that carries the G or S this message answers"),
    time = ProtoField.relative_time("minepool.time", "Time", "The time between the request and this answer"),
    broadcast = ProtoField.bool("minepool.broadcast", "Unasked (broadcast)", base.NONE, nil, 0,
        "An I that answers no S: the pool tells every miner holding a slot of a mined block to stop"),
    unsolicited = ProtoField.bool("minepool.unsolicited", "Unsolicited", base.NONE, nil, 0,
        "An answer with no S waiting for it on this connection (the capture may have begun after the S)"),
    quit_in = ProtoField.framenum("minepool.quit_in", "Pool quit in", base.NONE, frametype.NONE, 0,
        "The pool's Q that ended the connection before this request was answered"),
    continued = ProtoField.bytes("minepool.continued", "Continuation bytes", base.NONE,
        "With TCP reassembly off: the rest of a message that began in an earlier segment"),
    partial = ProtoField.bytes("minepool.partial", "Partial message", base.NONE,
        "With TCP reassembly off: the start of a message that continues in a later segment"),
}
minepool.fields = f

-- Severities as Wireshark's own dissectors use them: ERROR for bytes that cannot be decoded, WARN for a
-- sender breaking the protocol, NOTE for what is unusual but may be the capture's doing.
local e = {
    unknown_type = ProtoExpert.new("minepool.unknown_type", "Unknown message type byte",
        expert.group.MALFORMED, expert.severity.ERROR),
    framing_lost = ProtoExpert.new("minepool.framing_lost", "Framing lost earlier in this direction",
        expert.group.MALFORMED, expert.severity.WARN),
    truncated = ProtoExpert.new("minepool.truncated", "Message cut short: fewer bytes captured than its length",
        expert.group.MALFORMED, expert.severity.ERROR),
    wrong_direction = ProtoExpert.new("minepool.wrong_direction", "Message sent in the wrong direction",
        expert.group.PROTOCOL, expert.severity.WARN),
    bad_name = ProtoExpert.new("minepool.bad_name", "Miner name breaks the protocol's rules",
        expert.group.PROTOCOL, expert.severity.WARN),
    name_changed = ProtoExpert.new("minepool.name_changed", "G with another name than the connection's first G",
        expert.group.PROTOCOL, expert.severity.WARN),
    slot_past_end = ProtoExpert.new("minepool.slot_past_end", "Slot reaches past nonce 2^32",
        expert.group.PROTOCOL, expert.severity.WARN),
    job_mismatch = ProtoExpert.new("minepool.job_mismatch", "Answer names another job than its S",
        expert.group.PROTOCOL, expert.severity.WARN),
    duplicate = ProtoExpert.new("minepool.duplicate", "Duplicate request: the same S was sent before",
        expert.group.SEQUENCE, expert.severity.WARN),
    unanswered = ProtoExpert.new("minepool.unanswered", "Request with no answer in the capture",
        expert.group.SEQUENCE, expert.severity.NOTE),
    segment = ProtoExpert.new("minepool.segment", "Part of a message: TCP reassembly is off",
        expert.group.REASSEMBLE, expert.severity.NOTE),
    -- A transaction region that does not parse makes the block invalid: errors, like a malformed message.
    tx_count = ProtoExpert.new("minepool.tx_count_too_big", "Transaction count does not fit in the job data",
        expert.group.MALFORMED, expert.severity.ERROR),
    tx_kind = ProtoExpert.new("minepool.tx_unknown_kind", "Unknown transaction record kind",
        expert.group.MALFORMED, expert.severity.ERROR),
    tx_cut_off = ProtoExpert.new("minepool.tx_cut_off", "Transaction record cut off by the end of the job data",
        expert.group.MALFORMED, expert.severity.ERROR),
    tx_bad_name = ProtoExpert.new("minepool.tx_bad_name", "Name in a transaction record breaks the name rules",
        expert.group.MALFORMED, expert.severity.ERROR),
}
minepool.experts = { e.unknown_type, e.framing_lost, e.truncated, e.wrong_direction, e.bad_name,
    e.name_changed, e.slot_past_end, e.job_mismatch, e.duplicate, e.unanswered, e.segment, e.tx_count,
    e.tx_kind, e.tx_cut_off, e.tx_bad_name }

-- The name stays "port" (now a range) so that -o minepool.port:4444 keeps working as it did.
minepool.prefs.port = Pref.range("Pool TCP ports", DEFAULT_PORTS,
    "The TCP ports pools listen on: messages from them are the pool's, messages to them the miner's", 65535)
minepool.prefs.heuristic = Pref.bool("Find minepool on any port", false,
    "Try every TCP connection that no other dissector takes: one whose first bytes from one side are a G "
        .. "with a valid miner name is decoded as minepool, with that side as the miner. Off by default: "
        .. "an 11-byte message is a weak signature.")
minepool.prefs.tx_height = Pref.uint("Transaction regions from height", 0,
    "The chain's transactions height (GET /api/pool: rules.transactionsFromHeight; 1 for a chain started with "
        .. "transactions). Job data of a lower height is filler; from it on, the region is decoded and every "
        .. "flaw is an error. 0: not known, so guess: data whose count cannot fit, or whose first record has "
        .. "no known kind, is taken for filler")

local tcp_port_table = DissectorTable.get("tcp.port")

-- Lua 5.2 has no utf8 library: the code point at byte i of s and the index after it, or nil when no
-- well-formed UTF-8 character starts there; the same rules as Java's REPORT decoder (no overlongs, no
-- surrogates, nothing above U+10FFFF).
local function char_at(s, i)
    local c = s:byte(i)
    local extra, min, lead
    if c < 0x80 then
        return c, i + 1
    elseif c >= 0xC2 and c <= 0xDF then
        extra, min, lead = 1, 0x80, 0xC0
    elseif c >= 0xE0 and c <= 0xEF then
        extra, min, lead = 2, 0x800, 0xE0
    elseif c >= 0xF0 and c <= 0xF4 then
        extra, min, lead = 3, 0x10000, 0xF0
    else
        return nil
    end
    if i + extra > #s then
        return nil
    end
    local cp = c - lead
    for k = 1, extra do
        local cc = s:byte(i + k)
        if cc < 0x80 or cc > 0xBF then
            return nil
        end
        cp = cp * 64 + (cc - 0x80)
    end
    if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then
        return nil
    end
    return cp, i + extra + 1
end

-- A strict UTF-8 check: every character well-formed, by char_at's rules.
local function is_utf8(s)
    local i = 1
    while i <= #s do
        local _, next_i = char_at(s, i)
        if not next_i then
            return false
        end
        i = next_i
    end
    return true
end

-- The code points of a string already known to be well-formed UTF-8.
local function code_points(s)
    local cps, i = {}, 1
    while i <= #s do
        local cp, next_i = char_at(s, i)
        cps[#cps + 1] = cp
        i = next_i
    end
    return cps
end

-- Version 2's name rules (PROTOCOL.md, "Miner names"), as MinerName.java checks them, with small tables in
-- place of the JDK's Unicode database. Ranges of code points, inclusive.
local function in_ranges(cp, ranges)
    for _, r in ipairs(ranges) do
        if cp >= r[1] and cp <= r[2] then
            return true
        end
    end
    return false
end

-- General category Cc: C0, DEL and C1.
local CONTROL = { { 0x00, 0x1F }, { 0x7F, 0x9F } }
-- General category Cf, the format characters, as of Unicode 15: the byte order mark U+FEFF, the zero-width
-- space, joiners and direction marks U+200B-U+200F, the bidi embeddings and overrides U+202A-U+202E and
-- isolates U+2066-U+2069, the invisible operators U+2060-U+2064, and the rarer rest. A JDK on an older
-- Unicode may not know the newest of them (U+0890, U+0891, U+1343F...); the dissector flags them anyway.
local FORMAT = {
    { 0x00AD, 0x00AD }, { 0x0600, 0x0605 }, { 0x061C, 0x061C }, { 0x06DD, 0x06DD }, { 0x070F, 0x070F },
    { 0x0890, 0x0891 }, { 0x08E2, 0x08E2 }, { 0x180E, 0x180E }, { 0x200B, 0x200F }, { 0x202A, 0x202E },
    { 0x2060, 0x2064 }, { 0x2066, 0x206F }, { 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB }, { 0x110BD, 0x110BD },
    { 0x110CD, 0x110CD }, { 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A },
    { 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },
}
-- General categories Zl and Zp.
local SEPARATOR = { { 0x2028, 0x2029 } }
-- Unicode White_Space that is not already a control character: the space separators (Zs), which is what
-- MinerName.java's Character.isWhitespace || Character.isSpaceChar adds up to past the controls.
local WHITE_SPACE = {
    { 0x0020, 0x0020 }, { 0x00A0, 0x00A0 }, { 0x1680, 0x1680 }, { 0x2000, 0x200A }, { 0x202F, 0x202F },
    { 0x205F, 0x205F }, { 0x3000, 0x3000 },
}

-- Why a well-formed UTF-8 name breaks the rules, in MinerName.java's words, or nil. NFC (rule 2) is not
-- checked: telling whether a string is in Normalization Form C needs Unicode's composition and combining-class
-- tables, too big to carry in this script, so a name such as "zoe" + U+0308 passes here and only the pool
-- (with the JDK's Normalizer) refuses it.
local function name_rule_broken(name)
    local cps = code_points(name)
    for _, cp in ipairs(cps) do
        local u = string.format("U+%04X", cp)
        if in_ranges(cp, CONTROL) then
            return "contains a control character (" .. u .. ")"
        elseif in_ranges(cp, FORMAT) then
            return "contains an invisible format character (" .. u .. ")"
        elseif in_ranges(cp, SEPARATOR) then
            return "contains a line or paragraph separator (" .. u .. ")"
        end
    end
    for _, cp in ipairs({ cps[1], cps[#cps] }) do
        if in_ranges(cp, WHITE_SPACE) then
            return string.format("begins or ends with white space (U+%04X)", cp)
        end
    end
    return nil
end


-- A name as the Info column and the statistics show it: a miner chooses its name, so nothing in it may
-- move the cursor, reorder the text around it or hide: controls, format characters, separators and bytes
-- that are not UTF-8 are written as escapes (\x0a, \u{202E}), and so is a backslash, so that an escape
-- cannot be forged. Everything else is shown as it is.
local function display_name(s)
    local out, i = {}, 1
    while i <= #s do
        local cp, next_i = char_at(s, i)
        if cp == nil then
            out[#out + 1] = string.format("\\x%02x", s:byte(i))
            i = i + 1
        else
            if cp == 0x5C then
                out[#out + 1] = "\\\\"
            elseif cp < 0x80 and in_ranges(cp, CONTROL) then
                out[#out + 1] = string.format("\\x%02x", cp)
            elseif in_ranges(cp, CONTROL) or in_ranges(cp, FORMAT) or in_ranges(cp, SEPARATOR) then
                out[#out + 1] = string.format("\\u{%04X}", cp)
            else
                out[#out + 1] = s:sub(i, next_i - 1)
            end
            i = next_i
        end
    end
    return table.concat(out)
end

-- Per-connection state, keyed by tcp.stream, built on the first pass only: the miner's name, the G's and
-- S's still waiting for an answer, where framing was lost, a message left open with reassembly off.
local streams = {}
-- What each message links to, keyed by message_key(); made on the first pass, read on later passes.
local records = {}
-- The records of each frame, in order: what the statistics tap counts.
local frame_records = {}
-- With TCP reassembly off: the continuation at a frame's start and the partial message at its end.
local frame_pieces = {}
-- The directions of connections the heuristic has been offered data from ("addr:port>addr:port"). Not
-- tcp.seq == 1: field extractors see nothing on a pass that builds no tree (tshark's first pass, or a plain
-- tshark -r), and TCP offers the segments of a connection nobody took in order, on every pass.
local heuristic_tried = {}

function minepool.init()
    streams, records, frame_records, frame_pieces = {}, {}, {}, {}
    heuristic_tried = {}
end

-- A connection's key: both ends, in a fixed order. Not tcp.stream: a field extractor sees a field only when a
-- tree is built, and tshark -2 builds none on its first pass, which is the one this state is built on. (So a
-- new connection that reuses both ports of an old one in the same capture continues the old one's state.)
local function connection_key(pinfo)
    local a = tostring(pinfo.src) .. ":" .. tostring(pinfo.src_port)
    local b = tostring(pinfo.dst) .. ":" .. tostring(pinfo.dst_port)
    return a < b and (a .. " " .. b) or (b .. " " .. a)
end

local function stream_of(pinfo)
    local key = connection_key(pinfo)
    local stream = streams[key]
    if stream == nil then
        stream = {
            miner = nil, -- the name of the first G
            miner_frame = nil,
            pending_g = {}, -- requests in the order sent; the pool answers in the order it reads them
            pending_s = {},
            submits = {}, -- "job/nonce" -> the first S that carried it, to tell a duplicate
            quit = nil, -- the pool's Q: nothing is answered after it
            pool_port = nil, -- learned by the heuristic, which has no port to go by
            framing_lost = {}, -- [direction] = the first frame with an unknown type byte
            carry = {}, -- [direction] = a message split over segments while reassembly is off
        }
        streams[key] = stream
    end
    return stream
end

-- A message's identity across passes: its frame and its place among the frame's messages. One frame can
-- hold several messages and TCP can call the dissector more than once for it (a reassembled message, then
-- the rest of the segment); pinfo.private lives for exactly one dissection of one frame, so the count
-- starts again at every pass.
local function message_key(pinfo)
    local index = tonumber(pinfo.private.minepool_messages or "0") + 1
    pinfo.private.minepool_messages = tostring(index)
    return pinfo.number .. "." .. index
end

-- Whether port lies in a range preference's text, such as "3333,4000-4010".
local function in_port_range(port, range)
    for part in tostring(range):gmatch("[^,%s]+") do
        local low, high = part:match("^(%d+)%-(%d+)$")
        if low then
            if port >= tonumber(low) and port <= tonumber(high) then
                return true
            end
        elseif tonumber(part) == port then
            return true
        end
    end
    return false
end

-- Whether this packet comes from the pool: by the port the heuristic learned, else the port TCP matched
-- us on (the preference or a Decode As entry), else the preference's ranges.
local function from_pool(pinfo, stream)
    if stream.pool_port ~= nil then
        return pinfo.src_port == stream.pool_port
    end
    local matched = pinfo.match_uint
    if matched ~= nil and matched ~= 0 and (matched == pinfo.src_port or matched == pinfo.dst_port) then
        return pinfo.src_port == matched
    end
    return in_port_range(pinfo.src_port, minepool.prefs.port)
end

-- A frame's time, as Lua offers it: a number of seconds. The time since the capture's first frame, not since
-- the epoch: a double holds today's epoch seconds only to about 0.2 us, but seconds since the first frame
-- to well under a nanosecond, so differences of these are exact to the nanosecond.
local function frame_time(pinfo)
    return pinfo.rel_ts
end

local function to_nstime(secs)
    local whole = math.floor(secs)
    local nsecs = math.floor((secs - whole) * 1e9 + 0.5)
    if nsecs >= 1e9 then
        whole, nsecs = whole + 1, nsecs - 1e9
    end
    return NSTime.new(whole, nsecs)
end

local function seconds(nstime)
    return nstime.secs + nstime.nsecs / 1e9
end

local function link(request, answer)
    request.response = answer.frame
    answer.request = request.frame
    answer.request_letter = request.letter
    answer.delta = to_nstime(answer.time - request.time)
end

-- Follows one message through its connection (first pass only) and notes on its record what it links to.
local function track(stream, rec)
    local letter = rec.letter
    if rec.wrong_direction then
        -- A message from the wrong side is no request and no answer; only the miner's name is known.
        rec.miner = stream.miner
        return
    end
    if letter == "G" then
        if stream.miner == nil then
            stream.miner = rec.name
            stream.miner_frame = rec.frame
            stream.miner_ok = rec.name_ok
        elseif rec.name ~= stream.miner and stream.miner_ok then
            -- Only a name the pool accepted can change: after a refused one it has quit already.
            rec.name_changed_from = stream.miner_frame
        end
        rec.miner = stream.miner
        if stream.quit then
            rec.after_quit = stream.quit.frame -- crossed the Q: the pool reads it only to discard it
        else
            table.insert(stream.pending_g, rec)
        end
    elseif letter == "S" then
        rec.miner = stream.miner
        local submit = rec.job .. "/" .. rec.nonce
        if stream.submits[submit] then
            rec.duplicate_of = stream.submits[submit].frame
        else
            stream.submits[submit] = rec
        end
        if stream.quit then
            rec.after_quit = stream.quit.frame
        else
            table.insert(stream.pending_s, rec)
        end
    elseif letter == "T" then
        rec.miner = stream.miner
        local request = table.remove(stream.pending_g, 1)
        if request then
            link(request, rec)
        end
    elseif letter == "A" or letter == "R" or letter == "I" then
        rec.miner = stream.miner
        local request = stream.pending_s[1]
        -- The pool sends I unasked to every miner holding a slot of a block just mined, naming the job of
        -- that miner's last slot. An I for the job of the oldest waiting S is taken as its answer: when the
        -- broadcast crosses an S for the same job the two cannot be told apart, and the pool then answers
        -- the S with a second I, which is shown as the broadcast instead.
        if letter == "I" and (request == nil or request.job ~= rec.job) then
            rec.broadcast = true
        elseif request == nil then
            rec.unsolicited = true
        else
            table.remove(stream.pending_s, 1)
            link(request, rec)
            if request.job ~= rec.job then
                rec.job_mismatch = request.job
            end
        end
    elseif letter == "Q" then
        rec.miner = stream.miner
        local answers = QUIT_ANSWERS[rec.reason]
        local pending = answers == "G" and stream.pending_g or answers == "S" and stream.pending_s or nil
        if pending and pending[1] then
            link(table.remove(pending, 1), rec)
        end
        for _, list in ipairs({ stream.pending_g, stream.pending_s }) do
            for _, request in ipairs(list) do
                request.quit = rec.frame
            end
        end
        stream.pending_g, stream.pending_s = {}, {}
        stream.quit = rec
    end
end

-- The links of a message, as generated fields and expert info (every pass).
local function show_links(subtree, rec, pinfo, name_item)
    if rec.miner then
        subtree:add(f.miner, rec.miner):set_generated()
    end
    if rec.response then
        subtree:add(f.response_in, rec.response):set_generated()
    end
    if rec.request then
        subtree:add(f.response_to, rec.request):set_generated()
        subtree:add(f.time, rec.delta):set_generated()
    end
    if rec.broadcast then
        subtree:add(f.broadcast, true):set_generated()
    end
    if rec.unsolicited then
        subtree:add(f.unsolicited, true):set_generated()
    end
    local quit = rec.quit or rec.after_quit
    if quit then
        subtree:add(f.quit_in, quit):set_generated()
    end
    if rec.name_changed_from then
        (name_item or subtree):add_proto_expert_info(e.name_changed, string.format(
            "this connection's first G (frame %d) named %s: the pool answers Q (reason 4)",
            rec.name_changed_from, display_name(rec.miner)))
    end
    if rec.duplicate_of then
        subtree:add_proto_expert_info(e.duplicate, string.format(
            "S job=%d nonce=0x%08x was sent before, in frame %d", rec.job, rec.nonce, rec.duplicate_of))
    end
    if rec.job_mismatch then
        subtree:add_proto_expert_info(e.job_mismatch, string.format(
            "%s names job %d, but the S it answers (frame %d) named job %d", rec.letter, rec.job, rec.request,
            rec.job_mismatch))
    end
    -- Only once the whole capture has been seen (later passes: the GUI, tshark -2) can an answer be missing.
    if pinfo.visited and (rec.letter == "G" or rec.letter == "S") and not rec.wrong_direction
            and rec.response == nil and quit == nil then
        subtree:add_proto_expert_info(e.unanswered, string.format("no answer to this %s in the capture",
            rec.letter))
    end
end

-- The Info column lists every message of a frame and ends with the connection's miner: one frame is one
-- connection, so one name says whose it all is. TCP can call the dissector twice for one frame (a message it
-- reassembled, then the rest of the segment) and fences the column between the calls, so what an earlier
-- call wrote stays; each call writes its own messages after the fence, and its own miner after them.
local this_call = { text = nil, tagged = false, continues = false }

local function start_call(pinfo)
    this_call.text = nil
    this_call.tagged = false
    this_call.continues = pinfo.private.minepool_info ~= nil
end

local function add_info(pinfo, summary, miner, tagged)
    this_call.text = this_call.text and (this_call.text .. ", " .. summary) or summary
    this_call.tagged = this_call.tagged or tagged
    pinfo.private.minepool_info = "written"
    pinfo.cols.protocol = COLUMN_NAME
    local shown = this_call.text
    if miner and this_call.tagged then
        shown = shown .. " [" .. display_name(miner) .. "]"
    end
    pinfo.cols.info = this_call.continues and (", " .. shown) or shown
end

-- A 10-byte name field as G and the records carry it: the name without its 0x00 padding, and what is wrong
-- with it (nil if nothing), as a phrase that follows "a miner name" or "the sender's name".
local function read_name_field(raw)
    -- Trailing 0x00 bytes are padding, not part of the name.
    local length = #raw
    while length > 0 and raw:byte(length) == 0 do
        length = length - 1
    end
    local name = raw:sub(1, length)
    local flaw
    if length == 0 then
        flaw = "is empty"
    elseif name:find("\0", 1, true) then
        flaw = "has a 0x00 byte inside it"
    elseif not is_utf8(name) then
        flaw = "is not valid UTF-8"
    else
        flaw = name_rule_broken(name)
    end
    return name, flaw
end

local function dissect_name(tvb, tree, offset)
    local range = tvb(offset + GET_WORK_NAME_OFFSET, GET_WORK_NAME_LENGTH)
    local name, flaw = read_name_field(range:raw())
    local item = tree:add(f.name, range, name)
    local broken
    if flaw == "is empty" then
        broken = "G carries an empty miner name"
    elseif flaw == "has a 0x00 byte inside it" then
        broken = "G carries a miner name with a 0x00 byte inside it"
    elseif flaw then
        broken = "G carries a miner name that " .. flaw
    end
    if broken then
        item:add_proto_expert_info(e.bad_name, broken)
    end
    return name, item, broken == nil
end

-- SHA-256 (FIPS 180-4) of a Lua string, as 64 lower-case hex digits: Wireshark's Lua has no hash function,
-- and a record's txid is the SHA-256 of its bytes. bit32 is Lua 5.2's, which Wireshark 3.x and 4.x embed.
-- About 0.1 ms for a record, so the 9 records of a full job cost a millisecond at most.
local SHA256_K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

local function sha256_hex(message)
    local band, bnot, bxor, rrotate, rshift = bit32.band, bit32.bnot, bit32.bxor, bit32.rrotate, bit32.rshift
    local h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
    local bits = #message * 8
    -- 0x80, zeros to 56 mod 64, then the length in bits as a u64 (the high 4 bytes are 0 for anything a T holds)
    local padded = message .. "\128" .. string.rep("\0", (55 - #message) % 64)
        .. string.char(0, 0, 0, 0, math.floor(bits / 2 ^ 24) % 256, math.floor(bits / 2 ^ 16) % 256,
            math.floor(bits / 2 ^ 8) % 256, bits % 256)
    local w = {}
    for block = 1, #padded, 64 do
        for i = 0, 15 do
            local b1, b2, b3, b4 = padded:byte(block + i * 4, block + i * 4 + 3)
            w[i] = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
        end
        for i = 16, 63 do
            local s0 = bxor(rrotate(w[i - 15], 7), rrotate(w[i - 15], 18), rshift(w[i - 15], 3))
            local s1 = bxor(rrotate(w[i - 2], 17), rrotate(w[i - 2], 19), rshift(w[i - 2], 10))
            w[i] = (w[i - 16] + s0 + w[i - 7] + s1) % 2 ^ 32
        end
        local a, b, c, d, e5, f5, g, hh = h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
        for i = 0, 63 do
            local s1 = bxor(rrotate(e5, 6), rrotate(e5, 11), rrotate(e5, 25))
            local ch = bxor(band(e5, f5), band(bnot(e5), g))
            local t1 = (hh + s1 + ch + SHA256_K[i + 1] + w[i]) % 2 ^ 32
            local s0 = bxor(rrotate(a, 2), rrotate(a, 13), rrotate(a, 22))
            local maj = bxor(band(a, b), band(a, c), band(b, c))
            hh, g, f5, e5, d, c, b, a = g, f5, e5, (d + t1) % 2 ^ 32, c, b, a, (t1 + s0 + maj) % 2 ^ 32
        end
        h[1], h[2], h[3], h[4] = (h[1] + a) % 2 ^ 32, (h[2] + b) % 2 ^ 32, (h[3] + c) % 2 ^ 32, (h[4] + d) % 2 ^ 32
        h[5], h[6], h[7], h[8] = (h[5] + e5) % 2 ^ 32, (h[6] + f5) % 2 ^ 32, (h[7] + g) % 2 ^ 32,
            (h[8] + hh) % 2 ^ 32
    end
    local out = {}
    for i = 1, 8 do
        out[i] = string.format("%08x", h[i])
    end
    return table.concat(out)
end

-- An amount in base units (a UInt64) as coins with exactly 8 decimals, "1.50000000", as Coins.format: exact,
-- since UInt64 divides as an integer.
local function coins(amount)
    local unit = UInt64.new(UNITS_PER_COIN)
    local fraction = tostring(amount % unit)
    return tostring(amount / unit) .. "." .. string.rep("0", 8 - #fraction) .. fraction
end

-- One name field of a record: shown, and flagged when it breaks the rules (which makes the block invalid).
local function dissect_record_name(record, tree, offset, field, what)
    local range = record(offset, TX_NAME_LENGTH)
    local name, flaw = read_name_field(range:raw())
    local item = tree:add(field, range, name)
    if flaw then
        item:add_proto_expert_info(e.tx_bad_name, string.format("the %s %s: the record is malformed, and a "
            .. "block that carries it invalid", what, flaw))
    end
    return display_name(name)
end

-- One whole record (the caller has checked kind and length): its fields and txid; returns a one-line summary.
local function dissect_record(record, tree, kind)
    tree:add(f.tx_kind, record(TX_KIND_OFFSET, 1))
    local summary
    if kind.letter == "N" then
        local name = dissect_record_name(record, tree, N_NAME_OFFSET, f.tx_name, "name")
        tree:add(f.tx_key, record(N_KEY_OFFSET, TX_KEY_LENGTH))
        tree:add(f.tx_signature, record(N_SIGNATURE_OFFSET, TX_SIGNATURE_LENGTH))
        summary = string.format("N %s key %s…", name, tostring(record(N_KEY_OFFSET, 4):bytes()):lower())
    else
        local sender = dissect_record_name(record, tree, X_SENDER_OFFSET, f.tx_sender, "sender's name")
        local recipient = dissect_record_name(record, tree, X_RECIPIENT_OFFSET, f.tx_recipient, "recipient's name")
        local amount_range = record(X_AMOUNT_OFFSET, 8)
        local amount = amount_range:uint64()
        local amount_coins = coins(amount)
        tree:add(f.tx_amount, amount_range):append_text(" (" .. amount_coins .. " coins)")
        tree:add(f.tx_coins, amount_range, amount_coins):set_generated()
        local nonce_range = record(X_NONCE_OFFSET, 8)
        tree:add(f.tx_nonce, nonce_range)
        tree:add(f.tx_signature, record(X_SIGNATURE_OFFSET, TX_SIGNATURE_LENGTH))
        summary = string.format("X %s → %s %s coins, nonce %s", sender, recipient, amount_coins,
            tostring(nonce_range:uint64()))
    end
    tree:add(f.tx_id, record(), sha256_hex(record:raw())):set_generated()
    return summary
end

-- The transaction region of job data that has a block header, under the item of its bytes. Returns the number
-- of records shown, or nil when the bytes are taken for filler.
--
-- A chain carries regions only from its transactions height on; below it the bytes are random, and random
-- bytes must not raise alarms. With the preference "Transaction regions from height" set, the height decides,
-- exactly, and from it on every flaw is an error, as it makes the block invalid. Without it (0, the default)
-- the dissector guesses: bytes are filler when their count could not fit even in records of the shortest
-- kind, or when the first record's kind byte is no known kind; otherwise they are a region, checked as
-- strictly. Random bytes pass that guess about once in 60,000 jobs of 1024 bytes (a count of 0, 1 in 65536, or
-- of 1 to 9, 9 in 65536, followed by the kind byte of N or X, 2 in 256), and a region the pool wrote fails it
-- only when its count or first record is broken, which the preference then shows.
local function dissect_region(data_range, item, height)
    local size = data_range:len()
    if size < REGION_RECORDS_OFFSET then
        item:add(data_range(REGION_COUNT_OFFSET), "No transaction region: data of " .. size
            .. " bytes has no room for its count")
        return nil
    end
    local count = data_range(REGION_COUNT_OFFSET, REGION_COUNT_LENGTH):uint()
    local room = size - REGION_RECORDS_OFFSET
    local fits = count * TX_SHORTEST <= room
    local from_height = minepool.prefs.tx_height
    local filler
    if from_height > 0 then
        if height < from_height then
            filler = string.format("height %d is below the transactions height %d (preference)", height,
                from_height)
        end
    elseif not fits then
        filler = string.format("a count of %d could not fit in %d bytes", count, room)
    elseif count > 0 and TX_KINDS[data_range(REGION_RECORDS_OFFSET, 1):uint()] == nil then
        filler = string.format("byte %d (0x%02x) is no record kind", REGION_RECORDS_OFFSET,
            data_range(REGION_RECORDS_OFFSET, 1):uint())
    end
    if filler then
        item:add(data_range(REGION_COUNT_OFFSET), "Not a transaction region (filler): " .. filler)
        return nil
    end

    local count_item = item:add(f.tx_count, data_range(REGION_COUNT_OFFSET, REGION_COUNT_LENGTH))
    if not fits then
        -- As TxRegion.java: the count alone makes the region malformed, and what follows it is not read.
        count_item:add_proto_expert_info(e.tx_count, string.format("%d records need at least %d bytes, the "
            .. "data has %d after the count", count, count * TX_SHORTEST, room))
        return 0
    end
    local offset = REGION_RECORDS_OFFSET
    for i = 1, count do
        local kind_byte = data_range(offset, 1):uint()
        local kind = TX_KINDS[kind_byte]
        if kind == nil then
            local rest = item:add(data_range(offset), string.format("Transaction %d of %d: unknown kind", i, count))
            rest:add_proto_expert_info(e.tx_kind, string.format("record %d of %d at data byte %d has kind byte "
                .. "0x%02x (N is 0x4e, X is 0x58): nothing after it can be framed", i, count, offset, kind_byte))
            return i - 1
        end
        if offset + kind.length > size then
            local rest = item:add(data_range(offset), string.format("Transaction %d of %d: %s cut off", i, count,
                kind.letter))
            rest:add_proto_expert_info(e.tx_cut_off, string.format("record %d of %d, an %s of %d bytes at "
                .. "data byte %d, has only %d", i, count, kind.letter, kind.length, offset, size - offset))
            return i - 1
        end
        local record = data_range(offset, kind.length)
        local record_item = item:add(record, string.format("Transaction %d of %d", i, count))
        record_item:append_text(": " .. dissect_record(record, record_item, kind))
        offset = offset + kind.length
    end
    if offset < size then
        item:add(f.tx_filler, data_range(offset))
    end
    return count
end

-- Returns the number of transaction records the data carries, or nil when it carries no region.
local function dissect_block_header(data_range, tree)
    local header = tree:add(data_range(0, HEADER_LENGTH), "Block header (the pool's data layout)")
    header:add(f.prev_hash, data_range(HEADER_PREVIOUS_HASH_OFFSET, HEADER_PREVIOUS_HASH_LENGTH))
    local height = data_range(HEADER_HEIGHT_OFFSET, 4):uint()
    header:add(f.height, data_range(HEADER_HEIGHT_OFFSET, 4))
    header:add_packet_field(f.timestamp, data_range(HEADER_TIMESTAMP_OFFSET, 8),
        ENC_TIME_MSECS + ENC_BIG_ENDIAN)
    header:add(f.extra_nonce, data_range(HEADER_EXTRA_NONCE_OFFSET, 8))
    header:append_text(": height " .. height)
    if data_range:len() > HEADER_LENGTH then
        local region = tree:add(f.transactions, data_range(HEADER_TRANSACTIONS_OFFSET))
        return dissect_region(data_range, region, height)
    end
    return nil
end

local function dissect_task(tvb, tree, offset)
    local job = tvb(offset + TASK_JOB_OFFSET, 2):uint()
    local slot = tvb(offset + TASK_SLOT_OFFSET, 2):uint()
    local slot_size_range = tvb(offset + TASK_SLOT_SIZE_OFFSET, 4)
    local wire_slot_size = slot_size_range:uint()
    local zero_bits = tvb(offset + TASK_ZERO_BITS_OFFSET, 1):uint()
    local data_length = tvb(offset + TASK_DATA_LENGTH_OFFSET, 2):uint()

    tree:add(f.job, tvb(offset + TASK_JOB_OFFSET, 2))
    tree:add(f.slot, tvb(offset + TASK_SLOT_OFFSET, 2))
    local size_item = tree:add(f.slot_size, slot_size_range)
    -- The one size a u32 cannot hold: 0 on the wire stands for 2^32, the whole nonce space.
    local slot_size = wire_slot_size
    if wire_slot_size == 0 then
        slot_size = NONCE_SPACE
        size_item:append_text(" (stands for 2^32: the whole nonce space)")
    end
    local first = slot * slot_size
    local stop = first + slot_size
    -- Both ends as generated fields, drawn as 8 hex digits (9 for the end 2^32) rather than a u64's 16.
    local first_item = tree:add(f.nonce_first, slot_size_range, UInt64.new(first % NONCE_SPACE,
        math.floor(first / NONCE_SPACE)))
    first_item:set_text(string.format("First nonce: 0x%08x", first % NONCE_SPACE))
    first_item:set_generated()
    local end_item = tree:add(f.nonce_end, slot_size_range, UInt64.new(stop % NONCE_SPACE,
        math.floor(stop / NONCE_SPACE)))
    if stop >= NONCE_SPACE then
        end_item:set_text(string.format("End nonce (exclusive): 0x%x%08x", math.floor(stop / NONCE_SPACE),
            stop % NONCE_SPACE))
    else
        end_item:set_text(string.format("End nonce (exclusive): 0x%08x", stop))
    end
    end_item:set_generated()
    if stop > NONCE_SPACE then
        end_item:add_proto_expert_info(e.slot_past_end,
            string.format("slot %d of %.0f nonces ends at %.0f, past nonce 2^32", slot, slot_size, stop))
    end
    tree:add(f.zero_bits, tvb(offset + TASK_ZERO_BITS_OFFSET, 1))
    tree:add(f.data_len, tvb(offset + TASK_DATA_LENGTH_OFFSET, 2))
    local transactions
    if data_length > 0 then
        local data_range = tvb(offset + TASK_DATA_OFFSET, data_length)
        local data_item = tree:add(f.data, data_range)
        if data_length >= HEADER_LENGTH then
            transactions = dissect_block_header(data_range, data_item)
        end
    end
    -- A T that carries records says how many; one with none reads as it always has.
    local tx = (transactions and transactions > 0) and string.format(" tx=%d", transactions) or ""
    return string.format("T job=%d slot=%d bits=%d len=%d%s", job, slot, zero_bits, data_length, tx)
end

-- Dissects the message at offset, which the caller knows is complete; returns its length.
local function dissect_message(tvb, pinfo, tree, offset, t, stream, pool_side)
    local length = t.fixed
    if t.letter == "T" then
        length = TASK_HEADER_LENGTH + tvb(offset + TASK_DATA_LENGTH_OFFSET, 2):uint()
    end
    local subtree = tree:add(minepool, tvb(offset, length))
    local type_item = subtree:add(f.type, tvb(offset + TYPE_OFFSET, 1))

    local msg = { letter = t.letter }
    local summary, name_item
    if t.letter == "G" then
        msg.name, name_item, msg.name_ok = dissect_name(tvb, subtree, offset)
        summary = "G name=" .. display_name(msg.name)
    elseif t.letter == "T" then
        summary = dissect_task(tvb, subtree, offset)
    elseif t.letter == "S" then
        msg.job = tvb(offset + SUBMIT_JOB_OFFSET, 2):uint()
        msg.nonce = tvb(offset + SUBMIT_NONCE_OFFSET, 4):uint()
        subtree:add(f.job, tvb(offset + SUBMIT_JOB_OFFSET, 2))
        subtree:add(f.nonce, tvb(offset + SUBMIT_NONCE_OFFSET, 4))
        summary = string.format("S job=%d nonce=0x%08x", msg.job, msg.nonce)
    elseif t.letter == "Q" then
        msg.reason = tvb(offset + QUIT_REASON_OFFSET, 1):uint()
        subtree:add(f.reason, tvb(offset + QUIT_REASON_OFFSET, 1))
        summary = string.format("Q quit: %s", QUIT_REASONS[msg.reason] or ("reason code " .. msg.reason))
    else
        msg.job = tvb(offset + REPLY_JOB_OFFSET, 2):uint()
        subtree:add(f.job, tvb(offset + REPLY_JOB_OFFSET, 2))
        summary = string.format("%s job=%d %s", t.letter, msg.job, t.name)
    end

    local from = pool_side and FROM_POOL or FROM_MINER
    if from ~= t.from then
        type_item:add_proto_expert_info(e.wrong_direction, string.format(
            "%s (%s) is sent by the %s, but this one comes from the %s", t.letter, t.name, t.from, from))
        summary = summary .. " [wrong direction]"
    end

    local key = message_key(pinfo)
    local rec = records[key]
    if rec == nil and not pinfo.visited then
        rec = msg
        rec.frame = pinfo.number
        rec.time = frame_time(pinfo)
        rec.wrong_direction = from ~= t.from
        track(stream, rec)
        records[key] = rec
        frame_records[pinfo.number] = frame_records[pinfo.number] or {}
        table.insert(frame_records[pinfo.number], rec)
    end
    local miner
    if rec then
        show_links(subtree, rec, pinfo, name_item)
        if rec.broadcast then
            summary = summary .. " (unasked)"
        end
        miner = rec.miner
    end
    subtree:append_text(", " .. summary)
    -- A G that carries the connection's own name says whose it is already.
    add_info(pinfo, summary, miner, t.letter ~= "G" or msg.name ~= miner)
    return length
end

-- Bytes shown but not decoded (after lost framing, or a piece of a message): one subtree, one expert item.
local function show_bytes(tvb, pinfo, tree, offset, length, field, expert_info, message, summary, miner)
    local subtree = tree:add(minepool, tvb(offset, length))
    local item = subtree:add(field, tvb(offset, length))
    item:add_proto_expert_info(expert_info, message)
    subtree:append_text(", " .. summary)
    add_info(pinfo, summary, miner, miner ~= nil)
end

-- With TCP reassembly off, a message split over segments never reaches the dissector whole. The first pass
-- follows each direction's bytes instead, so that a segment that starts inside a message is shown as that
-- message's continuation and the messages after it are still framed. Returns where the next message starts.
local function show_continuation(tvb, pinfo, tree, stream, dir)
    local pieces = frame_pieces[pinfo.number]
    if pieces == nil and not pinfo.visited then
        pieces = {}
        frame_pieces[pinfo.number] = pieces
        local carry = stream.carry[dir]
        if carry then
            local length = tvb:len()
            if carry.total == nil then
                -- A T whose 12-byte header is still incomplete: its length is in the header's last 2 bytes.
                carry.header = carry.header .. tvb:raw(0, math.min(TASK_HEADER_LENGTH - carry.have, length))
                if #carry.header == TASK_HEADER_LENGTH then
                    carry.total = TASK_HEADER_LENGTH + carry.header:byte(TASK_DATA_LENGTH_OFFSET + 1) * 256
                        + carry.header:byte(TASK_DATA_LENGTH_OFFSET + 2)
                end
            end
            local take = math.min((carry.total or TASK_HEADER_LENGTH) - carry.have, length)
            pieces.head = { letter = carry.letter, frame = carry.frame, from = carry.have, to = carry.have + take,
                total = carry.total }
            carry.have = carry.have + take
            if carry.total and carry.have >= carry.total then
                stream.carry[dir] = nil
            end
        end
    end
    local head = pieces and pieces.head
    if head == nil then
        return 0
    end
    local total = head.total and tostring(head.total) or "?"
    show_bytes(tvb, pinfo, tree, 0, head.to - head.from, f.continued, e.segment,
        string.format("bytes %d-%d of the %d-byte %s that began in frame %d; TCP reassembly is off "
            .. "(tcp.desegment_tcp_streams), so the message is not decoded", head.from + 1, head.to,
            head.total or 0, head.letter, head.frame),
        string.format("%s segment (bytes %d-%s of %s, from frame %d)", head.letter, head.from + 1, head.to, total,
            head.frame), stream.miner)
    return head.to - head.from
end

local function show_partial(tvb, pinfo, tree, offset, t, needed, stream, dir)
    local pieces = frame_pieces[pinfo.number]
    local available = tvb:len() - offset
    local total = (t.letter ~= "T" or available >= TASK_HEADER_LENGTH) and needed or nil
    if pieces and not pinfo.visited and pieces.tail == nil then
        pieces.tail = true
        stream.carry[dir] = { letter = t.letter, frame = pinfo.number, have = available, total = total,
            header = total == nil and tvb:raw(offset, available) or "" }
    end
    show_bytes(tvb, pinfo, tree, offset, available, f.partial, e.segment,
        string.format("the first %d bytes of a %s-byte %s (%s); the rest is in later segments, and TCP "
            .. "reassembly is off (tcp.desegment_tcp_streams), so the message is not decoded", available,
            total and tostring(total) or "?", t.letter, t.name),
        string.format("%s segment (bytes 1-%d of %s)", t.letter, available, total and tostring(total) or "?"),
        stream.miner)
end

function minepool.dissector(tvb, pinfo, tree)
    local length = tvb:len()
    if length == 0 then
        return 0
    end
    start_call(pinfo)
    local stream = stream_of(pinfo)
    local pool_side = from_pool(pinfo, stream)
    local dir = pool_side and FROM_POOL or FROM_MINER
    local lost_at = stream.framing_lost[dir]
    if lost_at ~= nil and lost_at < pinfo.number then
        show_bytes(tvb, pinfo, tree, 0, length, f.undecoded, e.framing_lost,
            string.format("framing was lost at frame %d (unknown type byte): %d bytes not decoded", lost_at,
                length),
            string.format("%d undecodable bytes (framing lost in frame %d)", length, lost_at), stream.miner)
        return length
    end

    local reassembling = pinfo.can_desegment > 0
    local offset = 0
    if not reassembling then
        offset = show_continuation(tvb, pinfo, tree, stream, dir)
    end
    while offset < length do
        local type_byte = tvb(offset, 1):uint()
        local t = TYPES[type_byte]
        if t == nil then
            if lost_at == nil or pinfo.number < lost_at then
                stream.framing_lost[dir] = pinfo.number
            end
            local shown = (type_byte >= 0x21 and type_byte <= 0x7e)
                and string.format("'%c' (0x%02x)", type_byte, type_byte) or string.format("0x%02x", type_byte)
            show_bytes(tvb, pinfo, tree, offset, length - offset, f.undecoded, e.unknown_type,
                string.format("unknown message type byte %s: framing is lost, %d bytes not decoded", shown,
                    length - offset),
                string.format("unknown type %s: %d bytes not decoded", shown, length - offset), stream.miner)
            return length
        end
        local available = length - offset
        local needed = t.fixed
        if t.letter == "T" and available >= TASK_HEADER_LENGTH then
            needed = TASK_HEADER_LENGTH + tvb(offset + TASK_DATA_LENGTH_OFFSET, 2):uint()
        end
        if available < needed then
            if tvb:reported_len() > length then
                -- The message was on the wire, but the capture kept fewer bytes (its snapshot length).
                show_bytes(tvb, pinfo, tree, offset, available, f.undecoded, e.truncated,
                    string.format("%s (%s) needs %d bytes, but the capture kept only %d of this segment's",
                        t.letter, t.name, needed, available),
                    string.format("%s cut short by the capture (%d of %d bytes)", t.letter, available, needed),
                    stream.miner)
                return length
            end
            if not reassembling then
                show_partial(tvb, pinfo, tree, offset, t, needed, stream, dir)
                return length
            end
            -- A message split over segments: ask TCP for the missing bytes. A T whose header is not complete
            -- does not know its length yet, so it asks for one more segment and looks again.
            pinfo.desegment_offset = offset
            if t.letter == "T" and available < TASK_HEADER_LENGTH then
                pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            else
                pinfo.desegment_len = needed - available
            end
            return length
        end
        offset = offset + dissect_message(tvb, pinfo, tree, offset, t, stream, pool_side)
    end
    return offset
end

-- The heuristic: a connection on a port nobody registered is minepool if the first bytes one side sends
-- are a whole G with a valid name, optionally followed by more messages a miner sends. Only the first
-- segment with data in each direction is tried, so the middle of some other stream cannot be mistaken for a
-- G. Off unless the preference is on: 11 bytes are a weak signature.
local function looks_like_a_first_get_work(tvb)
    if tvb:len() < GET_WORK_LENGTH or tvb(TYPE_OFFSET, 1):uint() ~= 0x47 then
        return false
    end
    local raw = tvb(GET_WORK_NAME_OFFSET, GET_WORK_NAME_LENGTH):raw()
    local name = raw:gsub("%z+$", "")
    if #name == 0 or name:find("\0", 1, true) or not is_utf8(name) or name_rule_broken(name) then
        return false
    end
    -- What follows in the same segment must start like a miner's message too.
    if tvb:len() > GET_WORK_LENGTH then
        local next_type = TYPES[tvb(GET_WORK_LENGTH, 1):uint()]
        return next_type ~= nil and next_type.from == FROM_MINER
    end
    return true
end

local function heuristic(tvb, pinfo, tree)
    if not minepool.prefs.heuristic then
        return false
    end
    local direction = tostring(pinfo.src) .. ":" .. tostring(pinfo.src_port) .. ">" .. tostring(pinfo.dst) .. ":"
        .. tostring(pinfo.dst_port)
    local first = not heuristic_tried[direction]
    heuristic_tried[direction] = true
    if not first or not looks_like_a_first_get_work(tvb) then
        return false
    end
    stream_of(pinfo).pool_port = pinfo.dst_port
    -- From now on TCP hands every segment of this connection straight to minepool.
    pinfo.conversation = minepool
    minepool.dissector(tvb, pinfo, tree)
    return true
end
minepool:register_heuristic("tcp", heuristic)

-- Registered on the pool's ports; a change of the preference moves the registration.
local registered_ports = DEFAULT_PORTS
tcp_port_table:add(registered_ports, minepool)
tcp_port_table:add_for_decode_as(minepool)

function minepool.prefs_changed()
    local ports = tostring(minepool.prefs.port)
    if ports ~= registered_ports then
        if registered_ports ~= "" then
            tcp_port_table:remove(registered_ports, minepool)
        end
        registered_ports = ports
        if registered_ports ~= "" then
            tcp_port_table:add(registered_ports, minepool)
        end
    end
end

-- Statistics: a tap over the records the dissector keeps, shown by tshark -z minepool,tree[,filter] and
-- by Statistics > minepool in the GUI, in the same words.
local NO_MINER = "(before any G)"
local TIME_KINDS = { { request = "G", label = "G -> T", answers = { T = true } },
    { request = "S", label = "S -> A/I/R", answers = { A = true, I = true, R = true } } }

local function new_times()
    return { count = 0, sum = 0, min = nil, max = nil }
end

local function new_stats()
    return { seen = {}, total = 0, types = {}, miners = {}, times = { G = new_times(), S = new_times() } }
end

local function add_time(times, secs)
    times.count = times.count + 1
    times.sum = times.sum + secs
    times.min = (times.min == nil or secs < times.min) and secs or times.min
    times.max = (times.max == nil or secs > times.max) and secs or times.max
end

local function account(stats, rec)
    stats.total = stats.total + 1
    stats.types[rec.letter] = (stats.types[rec.letter] or 0) + 1
    local name = rec.miner or NO_MINER
    local miner = stats.miners[name]
    if miner == nil then
        miner = { total = 0, types = {}, times = { G = new_times(), S = new_times() } }
        stats.miners[name] = miner
    end
    miner.total = miner.total + 1
    miner.types[rec.letter] = (miner.types[rec.letter] or 0) + 1
    for _, kind in ipairs(TIME_KINDS) do
        if rec.request_letter == kind.request and kind.answers[rec.letter] then
            local secs = seconds(rec.delta)
            add_time(stats.times[kind.request], secs)
            add_time(miner.times[kind.request], secs)
        end
    end
end

-- Pads to a width counted in code points, not bytes, so that a name such as 矿工 (6 bytes) does not push its
-- row's numbers out of line by four columns.
local function pad(s, width)
    local chars = #s:gsub("[\128-\191]", "")
    return s .. string.rep(" ", math.max(width - chars, 1))
end

local function time_row(label, times)
    if times.count == 0 then
        return string.format("  %s%8d %10s %10s %10s\n", pad(label, 26), 0, "-", "-", "-")
    end
    return string.format("  %s%8d %10.6f %10.6f %10.6f\n", pad(label, 26), times.count, times.min,
        times.sum / times.count, times.max)
end

local function stats_text(stats, filter)
    -- 72 columns: the width of tshark's own -z tables, and what the GUI's text window shows unwrapped.
    local rule = string.rep("=", 72) .. "\n"
    local line = string.rep("-", 72) .. "\n"
    local out = { rule, "minepool statistics\n", "Filter: " .. filter .. "\n", line }

    out[#out + 1] = string.format("%s%8s\n", pad("Messages by type", 36), "count")
    for _, letter in ipairs(TYPE_ORDER) do
        out[#out + 1] = string.format("  %s %s%8d\n", letter, pad(TYPE_BY_LETTER[letter].name, 32),
            stats.types[letter] or 0)
    end
    out[#out + 1] = string.format("  %s%8d\n", pad("all", 34), stats.total)
    out[#out + 1] = line

    local names = {}
    for name in pairs(stats.miners) do
        if name ~= NO_MINER then
            names[#names + 1] = name
        end
    end
    table.sort(names)
    if stats.miners[NO_MINER] then
        names[#names + 1] = NO_MINER
    end
    local header = { pad("Messages by miner", 22) }
    for _, letter in ipairs(TYPE_ORDER) do
        header[#header + 1] = string.format("%6s", letter)
    end
    out[#out + 1] = table.concat(header) .. string.format("%7s\n", "all")
    for _, name in ipairs(names) do
        local miner = stats.miners[name]
        local row = { "  " .. pad(name == NO_MINER and name or display_name(name), 20) }
        for _, letter in ipairs(TYPE_ORDER) do
            row[#row + 1] = string.format("%6d", miner.types[letter] or 0)
        end
        out[#out + 1] = table.concat(row) .. string.format("%7d\n", miner.total)
    end
    out[#out + 1] = line

    out[#out + 1] = "Response times (seconds)       count        min        avg        max\n"
    for _, kind in ipairs(TIME_KINDS) do
        out[#out + 1] = time_row(kind.label, stats.times[kind.request])
    end
    for _, name in ipairs(names) do
        if name ~= NO_MINER then
            for _, kind in ipairs(TIME_KINDS) do
                out[#out + 1] = time_row(display_name(name) .. ": " .. kind.label,
                    stats.miners[name].times[kind.request])
            end
        end
    end
    out[#out + 1] = rule
    return table.concat(out)
end

-- A Listener (Wireshark's Lua tap) on the frames minepool decoded, further narrowed by filter if given.
-- Each frame is counted once however often it is handed over (tshark -2 runs taps on both passes).
local function stats_tap(filter, show)
    local full = "minepool"
    if filter ~= nil and filter ~= "" then
        full = "minepool && (" .. filter .. ")"
    end
    local stats = new_stats()
    local tap = Listener.new(nil, full)
    function tap.packet(pinfo)
        local recs = frame_records[pinfo.number]
        if recs and not stats.seen[pinfo.number] then
            stats.seen[pinfo.number] = true
            for _, rec in ipairs(recs) do
                account(stats, rec)
            end
        end
    end
    function tap.reset()
        stats = new_stats()
    end
    function tap.draw()
        show(stats_text(stats, full))
    end
    return tap
end

-- tshark -z minepool,tree or -z minepool,tree,FILTER: the table on standard output after the packets.
register_stat_cmd_arg("minepool,tree", function(arg)
    stats_tap(arg:match("^minepool,tree,(.+)$"), function(text)
        io.write(text)
    end)
end)

-- Statistics > minepool: the same table in a window, redrawn on every retap (a new filter, a reload).
if gui_enabled() then
    register_menu("minepool", function()
        local window = TextWindow.new("minepool statistics")
        local tap = stats_tap(nil, function(text)
            window:set(text)
        end)
        window:set_atclose(function()
            tap:remove()
        end)
        retap_packets()
    end, MENU_STAT_UNSORTED)
end
