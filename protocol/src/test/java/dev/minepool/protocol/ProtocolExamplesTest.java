package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every hex example in PROTOCOL.md is a message the codec decodes: one message, every byte consumed, encoding back
 * to the same bytes, with the fields its trailing text names. An example edited into something the codec does
 * not decode, or whose text no longer says what it decodes to, fails here.
 *
 * <p>An example is a line of a fenced code block that starts with hex bytes ({@code 41 00 0c          A job 12});
 * the text after two or more spaces, or for a {@code T} the annotation lines below it, names its fields.
 */
class ProtocolExamplesTest {
    private static final Path PROTOCOL_MD = Path.of("..", "PROTOCOL.md");
    /** Bytes separated by single spaces, then optionally two or more spaces and the text. */
    private static final Pattern EXAMPLE = Pattern.compile("^((?:[0-9a-f]{2} )*[0-9a-f]{2})(?: {2,}(\\S.*))?$");
    private static final Pattern STARTS_WITH_A_BYTE = Pattern.compile("^[0-9a-fA-F]{2}(\\s|$)");
    private static final Pattern NAME = Pattern.compile("^G \"([^\"]*)\"$");
    private static final Pattern JOB_ANSWER = Pattern.compile("^([AIR]) job (\\d+)$");
    private static final Pattern QUIT = Pattern.compile("^Q: (.+)$");
    private static final Pattern TASK = Pattern.compile("^T\\s+=(\\d+)\\s+=(\\d+)\\s+=(\\d+)\\s+(\\d+)\\s+len=(\\d+)$");

    record Example(int line, byte[] bytes, String text) {
        @Override
        public String toString() {
            return "PROTOCOL.md line " + line + ": " + HexFormat.ofDelimiter(" ").formatHex(bytes)
                    + (text.isEmpty() ? "" : "  (" + text + ")");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyHexExampleDecodesToOneMessageWithTheFieldsItsTextNames() throws IOException {
        return examples().stream().map(example -> DynamicTest.dynamicTest(example.toString(), () -> check(example)));
    }

    @Test
    void theExamplesCoverEveryMessageType() throws IOException {
        Set<Character> letters = examples().stream().map(e -> (char) e.bytes()[0]).collect(Collectors.toSet());
        assertThat(letters).as("types with a hex example in PROTOCOL.md")
                .containsExactlyInAnyOrder('G', 'T', 'S', 'A', 'I', 'R', 'Q');
        assertThat(examples()).as("hex examples found").hasSizeGreaterThanOrEqualTo(8);
    }

    private static void check(Example example) throws ProtocolException {
        MessageType type = MessageType.fromWireByte(example.bytes()[0]);
        assertThat(type).as("the type of %s: the first byte must be one of G T S A I R Q", example).isNotNull();
        // the direction follows from the type byte: G and S are decoded by a pool, the others by a miner
        MessageDecoder decoder = new MessageDecoder(type.direction());
        List<Message> messages = decoder.decode(example.bytes());
        assertThat(messages).as("%s decodes to exactly one message", example).hasSize(1);
        assertThat(decoder.bufferedBytes()).as("bytes of %s left over", example).isZero();
        Message message = messages.get(0);
        assertThat(message.toBytes()).as("%s encodes back to the same bytes", example).isEqualTo(example.bytes());

        String text = example.text();
        Matcher m;
        if (text.isEmpty()) {
            return;
        } else if ((m = NAME.matcher(text)).matches()) {
            assertThat(message).isInstanceOf(Message.GetWork.class);
            assertThat(((Message.GetWork) message).minerName()).as("the name of %s", example).isEqualTo(m.group(1));
        } else if ((m = JOB_ANSWER.matcher(text)).matches()) {
            assertThat(message.type().letter()).as("the type of %s", example).isEqualTo(m.group(1).charAt(0));
            assertThat(((Message.JobAnswer) message).job()).as("the job of %s", example)
                    .isEqualTo(Integer.parseInt(m.group(2)));
        } else if ((m = QUIT.matcher(text)).matches()) {
            assertThat(message).isInstanceOf(Message.Quit.class);
            assertThat(((Message.Quit) message).reason().description()).as("the reason of %s", example)
                    .isEqualTo(m.group(1));
        } else if ((m = TASK.matcher(text)).matches()) {
            assertThat(message).isInstanceOf(Message.Task.class);
            Message.Task task = (Message.Task) message;
            assertThat(List.of(task.job(), task.slot(), task.slotSize(), task.zeroBits(), task.dataLength()))
                    .as("job, slot, slot size, zero bits and data length of %s", example)
                    .containsExactly(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                            Long.parseLong(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)));
        } else {
            throw new AssertionError("the text of " + example + " names no fields this test knows how to check;"
                    + " write it as G \"name\", A job N, Q: reason, or teach this test the new form");
        }
    }

    /**
     * The hex examples of PROTOCOL.md's fenced code blocks, in order, up to the chain file's section: its
     * examples are file bytes, not messages, and the chain file's golden tests check them. The section
     * *Transactions* is skipped too: its examples are records inside job data, which
     * {@code dev.minepool.protocol.ledger.TransactionExamplesTest} checks.
     */
    static List<Example> examples() throws IOException {
        List<String> lines = Files.readAllLines(PROTOCOL_MD, StandardCharsets.UTF_8);
        List<Example> examples = new ArrayList<>();
        boolean fenced = false;
        boolean records = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!fenced && line.equals("## The chain file")) {
                break;
            }
            if (!fenced && line.startsWith("## ")) {
                records = line.equals("## Transactions");
            }
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced || records || !STARTS_WITH_A_BYTE.matcher(line).find()) {
                continue;
            }
            Matcher m = EXAMPLE.matcher(line.stripTrailing());
            assertThat(m.matches()).as("PROTOCOL.md line %d starts with a byte but is not a hex example (bytes"
                    + " as two lower-case hex digits, one space apart, then two spaces and the text): %s", i + 1, line)
                    .isTrue();
            String text = m.group(2) == null ? "" : m.group(2).strip();
            // A T is too long for a trailing text: its fields are named on the lines below it, up to the fence.
            if (text.isEmpty() && line.startsWith("54 ")) {
                for (int j = i + 1; j < lines.size() && !lines.get(j).startsWith("```"); j++) {
                    if (TASK.matcher(lines.get(j).strip()).matches()) {
                        text = lines.get(j).strip();
                    }
                }
            }
            examples.add(new Example(i + 1, HexFormat.ofDelimiter(" ").parseHex(m.group(1)), text));
        }
        assertThat(fenced).as("PROTOCOL.md's code fences are balanced").isFalse();
        return examples;
    }
}
