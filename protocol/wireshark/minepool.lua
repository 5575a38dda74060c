-- minepool.lua: a Wireshark dissector for the minepool protocol, version 1.
--
-- The wire format is specified in PROTOCOL.md at the root of the repository; the Java codec
-- (protocol/src/main/java/dev/minepool/protocol) implements the same layouts with the same offset names,
-- and the golden bytes in protocol/src/test/resources/golden-messages.txt test both.
--
-- Load it with   tshark -X lua_script:protocol/wireshark/minepool.lua -r capture.pcap
--           or   wireshark -X lua_script:protocol/wireshark/minepool.lua
-- or copy it into the personal plugins folder (~/.local/lib/wireshark/plugins/). It decodes TCP port 3333
-- (preference minepool.port) and any other port through Decode As (tcp.port, "MINEPOOL").
--
-- Every message is one ASCII type byte followed by fixed-layout fields, all integers unsigned big-endian.
-- There is no length prefix: framing comes only from the type byte, so an unknown type byte loses the
-- framing of that direction of the connection for good. The dissector then says so and stops guessing.

local minepool = Proto("minepool", "Minepool Protocol")

local DEFAULT_PORT = 3333
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

-- The pool server's layout of the job data (BlockHeader.java): shown only when the data is long enough.
local HEADER_PREVIOUS_HASH_OFFSET = 0
local HEADER_PREVIOUS_HASH_LENGTH = 32
local HEADER_HEIGHT_OFFSET = 32
local HEADER_TIMESTAMP_OFFSET = 36
local HEADER_EXTRA_NONCE_OFFSET = 44
local HEADER_TRANSACTIONS_OFFSET = 52
local HEADER_LENGTH = HEADER_TRANSACTIONS_OFFSET

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

local type_names = {}
for byte, t in pairs(TYPES) do
    type_names[byte] = t.name
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
    nonce = ProtoField.uint32("minepool.nonce", "Nonce", base.HEX),
    name = ProtoField.string("minepool.name", "Miner name", base.UNICODE),
    reason = ProtoField.uint8("minepool.reason", "Reason", base.DEC, QUIT_REASONS),
    undecoded = ProtoField.bytes("minepool.undecoded", "Undecodable bytes"),
}
minepool.fields = f

local e = {
    unknown_type = ProtoExpert.new("minepool.unknown_type", "Unknown message type byte",
        expert.group.MALFORMED, expert.severity.ERROR),
    framing_lost = ProtoExpert.new("minepool.framing_lost", "Framing lost earlier in this direction",
        expert.group.MALFORMED, expert.severity.WARN),
    wrong_direction = ProtoExpert.new("minepool.wrong_direction", "Message sent in the wrong direction",
        expert.group.PROTOCOL, expert.severity.WARN),
    bad_name = ProtoExpert.new("minepool.bad_name", "Miner name breaks the protocol's rules",
        expert.group.PROTOCOL, expert.severity.WARN),
    slot_past_end = ProtoExpert.new("minepool.slot_past_end", "Slot reaches past nonce 2^32",
        expert.group.PROTOCOL, expert.severity.WARN),
}
minepool.experts = { e.unknown_type, e.framing_lost, e.wrong_direction, e.bad_name, e.slot_past_end }

minepool.prefs.port = Pref.uint("Pool TCP port", DEFAULT_PORT,
    "The TCP port the pool listens on: messages from it are the pool's, messages to it the miner's")

local tcp_port_table = DissectorTable.get("tcp.port")
local tcp_stream_field = Field.new("tcp.stream")

-- Once an unknown type byte is seen, framing is gone for that direction of that connection: nothing
-- after it can be told apart from message starts. Keyed by "stream/direction", the first frame where that
-- happened; cleared when a capture is (re)loaded.
local framing_lost_at = {}

function minepool.init()
    framing_lost_at = {}
end

-- Lua 5.2 has no utf8 library: a strict UTF-8 check, the same rules as Java's REPORT decoder (no
-- overlongs, no surrogates, nothing above U+10FFFF).
local function is_utf8(s)
    local i, n = 1, #s
    while i <= n do
        local c = s:byte(i)
        local extra, min, lead
        if c < 0x80 then
            extra, min, lead = 0, 0, 0
        elseif c >= 0xC2 and c <= 0xDF then
            extra, min, lead = 1, 0x80, 0xC0
        elseif c >= 0xE0 and c <= 0xEF then
            extra, min, lead = 2, 0x800, 0xE0
        elseif c >= 0xF0 and c <= 0xF4 then
            extra, min, lead = 3, 0x10000, 0xF0
        else
            return false
        end
        if i + extra > n then
            return false
        end
        local cp = c - lead
        for k = 1, extra do
            local cc = s:byte(i + k)
            if cc < 0x80 or cc > 0xBF then
                return false
            end
            cp = cp * 64 + (cc - 0x80)
        end
        if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then
            return false
        end
        i = i + extra + 1
    end
    return true
end

-- The code points of a string already known to be well-formed UTF-8.
local function code_points(s)
    local cps, i, n = {}, 1, #s
    while i <= n do
        local c = s:byte(i)
        local extra = c < 0x80 and 0 or c < 0xE0 and 1 or c < 0xF0 and 2 or 3
        local cp = c % ({ 0x80, 0x20, 0x10, 0x08 })[extra + 1] -- the lead byte's payload bits, in integers
        for k = 1, extra do
            cp = cp * 64 + (s:byte(i + k) - 0x80)
        end
        cps[#cps + 1] = cp
        i = i + extra + 1
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

-- The pool's port for this packet: the port the TCP dissector matched us on (the preference, or a Decode
-- As entry), else the preference.
local function pool_port(pinfo)
    local matched = pinfo.match_uint
    if matched ~= nil and (matched == pinfo.src_port or matched == pinfo.dst_port) then
        return matched
    end
    return minepool.prefs.port
end

local function direction_key(pinfo)
    local stream = tcp_stream_field()
    return tostring(stream and stream.value or "?") .. "/" .. tostring(pinfo.src_port) .. ">"
        .. tostring(pinfo.dst_port)
end

-- The Info column lists every message of a frame: the first replaces what TCP wrote, later ones append.
local function add_info(pinfo, summary)
    if tostring(pinfo.cols.protocol) ~= "MINEPOOL" then
        pinfo.cols.protocol = "MINEPOOL"
        pinfo.cols.info = summary
    else
        pinfo.cols.info:append(", " .. summary)
    end
end

local function dissect_name(tvb, tree, offset)
    local range = tvb(offset + GET_WORK_NAME_OFFSET, GET_WORK_NAME_LENGTH)
    local raw = range:raw()
    -- Trailing 0x00 bytes are padding, not part of the name.
    local length = GET_WORK_NAME_LENGTH
    while length > 0 and raw:byte(length) == 0 do
        length = length - 1
    end
    local name = raw:sub(1, length)
    local item = tree:add(f.name, range, name)
    if length == 0 then
        item:add_proto_expert_info(e.bad_name, "G carries an empty miner name")
    elseif name:find("\0", 1, true) then
        item:add_proto_expert_info(e.bad_name, "G carries a miner name with a 0x00 byte inside it")
    elseif not is_utf8(name) then
        item:add_proto_expert_info(e.bad_name, "G carries a miner name that is not valid UTF-8")
    else
        local broken = name_rule_broken(name)
        if broken then
            item:add_proto_expert_info(e.bad_name, "G carries a miner name that " .. broken)
        end
    end
    return name
end

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
        tree:add(f.transactions, data_range(HEADER_TRANSACTIONS_OFFSET))
    end
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
    if data_length > 0 then
        local data_range = tvb(offset + TASK_DATA_OFFSET, data_length)
        local data_item = tree:add(f.data, data_range)
        if data_length >= HEADER_LENGTH then
            dissect_block_header(data_range, data_item)
        end
    end
    return string.format("T job=%d slot=%d bits=%d len=%d", job, slot, zero_bits, data_length)
end

-- Dissects the message at offset, which the caller knows is complete; returns the Info summary.
local function dissect_message(tvb, pinfo, tree, offset, t)
    local length = t.fixed
    if t.letter == "T" then
        length = TASK_HEADER_LENGTH + tvb(offset + TASK_DATA_LENGTH_OFFSET, 2):uint()
    end
    local subtree = tree:add(minepool, tvb(offset, length))
    local type_item = subtree:add(f.type, tvb(offset + TYPE_OFFSET, 1))

    local summary
    if t.letter == "G" then
        summary = "G name=" .. dissect_name(tvb, subtree, offset)
    elseif t.letter == "T" then
        summary = dissect_task(tvb, subtree, offset)
    elseif t.letter == "S" then
        local job = tvb(offset + SUBMIT_JOB_OFFSET, 2):uint()
        local nonce = tvb(offset + SUBMIT_NONCE_OFFSET, 4):uint()
        subtree:add(f.job, tvb(offset + SUBMIT_JOB_OFFSET, 2))
        subtree:add(f.nonce, tvb(offset + SUBMIT_NONCE_OFFSET, 4))
        summary = string.format("S job=%d nonce=0x%08x", job, nonce)
    elseif t.letter == "Q" then
        local reason = tvb(offset + QUIT_REASON_OFFSET, 1):uint()
        subtree:add(f.reason, tvb(offset + QUIT_REASON_OFFSET, 1))
        summary = string.format("Q quit: %s", QUIT_REASONS[reason] or ("reason code " .. reason))
    else
        local job = tvb(offset + REPLY_JOB_OFFSET, 2):uint()
        subtree:add(f.job, tvb(offset + REPLY_JOB_OFFSET, 2))
        summary = string.format("%s job=%d %s", t.letter, job, t.name)
    end

    local from = (pinfo.src_port == pool_port(pinfo)) and FROM_POOL or FROM_MINER
    if from ~= t.from then
        type_item:add_proto_expert_info(e.wrong_direction, string.format(
            "%s (%s) is sent by the %s, but this one comes from the %s", t.letter, t.name, t.from, from))
        summary = summary .. " [wrong direction]"
    end
    subtree:append_text(", " .. summary)
    add_info(pinfo, summary)
    return length
end

-- The rest of the segment, after framing was lost: shown as bytes, not guessed at.
local function show_undecodable(tvb, pinfo, tree, offset, expert_info, message, summary)
    local subtree = tree:add(minepool, tvb(offset))
    local item = subtree:add(f.undecoded, tvb(offset))
    item:add_proto_expert_info(expert_info, message)
    subtree:append_text(", " .. summary)
    add_info(pinfo, summary)
end

function minepool.dissector(tvb, pinfo, tree)
    local length = tvb:len()
    if length == 0 then
        return 0
    end
    local key = direction_key(pinfo)
    local lost_at = framing_lost_at[key]
    if lost_at ~= nil and lost_at < pinfo.number then
        show_undecodable(tvb, pinfo, tree, 0, e.framing_lost,
            string.format("framing was lost at frame %d (unknown type byte): %d bytes not decoded", lost_at,
                length),
            string.format("%d undecodable bytes (framing lost in frame %d)", length, lost_at))
        return length
    end

    local offset = 0
    while offset < length do
        local type_byte = tvb(offset, 1):uint()
        local t = TYPES[type_byte]
        if t == nil then
            framing_lost_at[key] = math.min(lost_at or pinfo.number, pinfo.number)
            local shown = (type_byte >= 0x21 and type_byte <= 0x7e)
                and string.format("'%c' (0x%02x)", type_byte, type_byte) or string.format("0x%02x", type_byte)
            show_undecodable(tvb, pinfo, tree, offset, e.unknown_type,
                string.format("unknown message type byte %s: framing is lost, %d bytes not decoded", shown,
                    length - offset),
                string.format("unknown type %s: %d bytes not decoded", shown, length - offset))
            return length
        end
        local available = length - offset
        local needed = t.fixed
        if t.letter == "T" and available >= TASK_HEADER_LENGTH then
            needed = TASK_HEADER_LENGTH + tvb(offset + TASK_DATA_LENGTH_OFFSET, 2):uint()
        end
        if available < needed then
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
        offset = offset + dissect_message(tvb, pinfo, tree, offset, t)
    end
    return offset
end

-- Registered on the pool's port; a change of the preference moves the registration.
local registered_port = DEFAULT_PORT
tcp_port_table:add(registered_port, minepool)
tcp_port_table:add_for_decode_as(minepool)

function minepool.prefs_changed()
    if minepool.prefs.port ~= registered_port then
        if registered_port ~= 0 then
            tcp_port_table:remove(registered_port, minepool)
        end
        registered_port = minepool.prefs.port
        if registered_port ~= 0 then
            tcp_port_table:add(registered_port, minepool)
        end
    end
end
