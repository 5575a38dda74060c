package dev.minepool.protocol;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden bytes of every message type, read from {@code golden-messages.txt} (a test resource), which
 * the codec's test and the dissector's test share so that both are held to the same bytes. The file's
 * header says its format.
 */
public final class GoldenMessages {
    private static final String RESOURCE = "/golden-messages.txt";

    /**
     * One line of the file.
     *
     * @param name   what the case shows, used as the test's display name
     * @param from   who sends it: {@link Direction#CLIENT_TO_SERVER} for the miner, else the pool
     * @param bytes  the message on the wire
     * @param fields the dissector's fields (without {@code minepool.}) in the file's notation, in file order
     */
    public record Case(String name, Direction from, byte[] bytes, Map<String, String> fields) {
        public String hex() {
            return HexFormat.of().formatHex(bytes);
        }

        /** The field's value as written in the file. */
        public String field(String field) {
            String value = fields.get(field);
            if (value == null) {
                throw new IllegalArgumentException("golden case " + name + " has no field " + field);
            }
            return value;
        }

        /** A numeric field: decimal, or hex after {@code 0x}. */
        public long number(String field) {
            String value = field(field);
            return value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16) : Long.parseLong(value);
        }

        public boolean fromMiner() {
            return from == Direction.CLIENT_TO_SERVER;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private GoldenMessages() {
    }

    public static List<Case> all() {
        try (InputStream in = GoldenMessages.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the test class path");
            }
            List<Case> cases = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                line = line.strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    cases.add(parse(line, number));
                }
            }
            return Collections.unmodifiableList(cases);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Case parse(String line, int number) {
        String[] words = line.split(" +");
        if (words.length < 4) {
            throw new IllegalArgumentException(RESOURCE + " line " + number + ": want name, from, hex and fields");
        }
        Direction from = switch (words[1]) {
            case "miner" -> Direction.CLIENT_TO_SERVER;
            case "pool" -> Direction.SERVER_TO_CLIENT;
            default -> throw new IllegalArgumentException(RESOURCE + " line " + number + ": '" + words[1]
                    + "' is neither miner nor pool");
        };
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 3; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(RESOURCE + " line " + number + ": '" + words[i]
                        + "' is not field=value");
            }
            fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        return new Case(words[0], from, HexFormat.of().parseHex(words[2]), Collections.unmodifiableMap(fields));
    }
}
