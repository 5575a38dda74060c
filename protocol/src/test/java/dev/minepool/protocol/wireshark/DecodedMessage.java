package dev.minepool.protocol.wireshark;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One minepool message as tshark decoded it with the dissector: the frame it was shown in, that frame's time
 * and TCP ports, the summary the dissector wrote (what the Info column says for it), its fields and any
 * expert info attached to it.
 *
 * @param time    the frame's capture time, in seconds since the epoch, exactly as the file holds it
 * @param fields  by field name without the {@code minepool.} prefix ({@code job}, {@code nonce}, ...)
 * @param experts each as {@code "minepool.unknown_type: the message"}
 * @param occurrences every occurrence of each field, in tree order: a T with two transaction records has two
 *                    {@code tx_kind}s, of which {@code fields} keeps the first
 */
public record DecodedMessage(int frame, BigDecimal time, int srcPort, int dstPort, String summary,
        Map<String, Field> fields, List<String> experts, Map<String, List<Field>> occurrences) {

    /** A message whose every field occurs once. */
    public DecodedMessage(int frame, BigDecimal time, int srcPort, int dstPort, String summary,
            Map<String, Field> fields, List<String> experts) {
        this(frame, time, srcPort, dstPort, summary, fields, experts, fields.entrySet().stream().collect(
                java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, entry -> List.of(entry.getValue()))));
    }

    /**
     * A field's two renderings in tshark's PDML output.
     *
     * @param show  the value as tshark displays it ({@code 12}, {@code 0x0003fa1c}, {@code alice})
     * @param value the field's bytes on the wire in hex ({@code 000c}); empty when it covers none
     */
    public record Field(String show, String value) {
    }

    /** The type letter ({@code "T"}), or {@code "?"} for undecodable bytes. */
    public String type() {
        Field type = fields.get("type");
        return type == null ? "?" : String.valueOf((char) Integer.parseInt(type.value(), 16));
    }

    public boolean has(String name) {
        return fields.containsKey(name);
    }

    public Field field(String name) {
        Field field = fields.get(name);
        if (field == null) {
            throw new AssertionError("frame " + frame + " '" + summary + "' has no field minepool." + name
                    + "; it has " + fields.keySet());
        }
        return field;
    }

    /** Every occurrence of a field, in the order of the tree; empty if it has none. */
    public List<Field> all(String name) {
        return occurrences.getOrDefault(name, List.of());
    }

    /** What tshark displays for each occurrence of a field. */
    public List<String> texts(String name) {
        return all(name).stream().map(Field::show).toList();
    }

    /** The field as displayed: a miner name, for instance. */
    public String text(String name) {
        return field(name).show();
    }

    /** The field's bytes in hex, for byte fields such as {@code data} and {@code prev_hash}. */
    public String hex(String name) {
        return field(name).value();
    }

    /**
     * A numeric field: as displayed when tshark shows a number (decimal, or hex after {@code 0x}), otherwise
     * (a timestamp, shown as a date) its bytes read as an unsigned big-endian number.
     */
    public long number(String name) {
        Field field = field(name);
        String show = field.show();
        if (show.startsWith("0x")) {
            return Long.parseUnsignedLong(show.substring(2), 16);
        }
        if (!show.isEmpty() && show.chars().allMatch(Character::isDigit)) {
            return Long.parseUnsignedLong(show);
        }
        return Long.parseUnsignedLong(field.value(), 16);
    }

    /** A time field ({@code time}, the response time) in seconds, exactly as tshark shows it. */
    public BigDecimal seconds(String name) {
        String show = field(name).show();
        return new BigDecimal(show.replaceFirst(" seconds$", ""));
    }

    /** Whether this message travelled from the given port (the pool's, say). */
    public boolean from(int port) {
        return srcPort == port;
    }

    @Override
    public String toString() {
        return "frame " + frame + " " + srcPort + "->" + dstPort + " " + summary
                + (experts.isEmpty() ? "" : " " + experts);
    }
}
