package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageReaderTest {
    @Test
    void readsCoalescedMessagesOneAtATimeThenNullAtEndOfStream() throws Exception {
        byte[] bytes = MessageDecoderTest.concat(List.of(new Message.Accepted(1), new Message.Invalidated(2),
                new Message.Quit(Message.Quit.Reason.SHUTDOWN)));
        MessageReader reader = new MessageReader(new ByteArrayInputStream(bytes), Direction.SERVER_TO_CLIENT);
        assertThat(reader.read()).isEqualTo(new Message.Accepted(1));
        assertThat(reader.hasBuffered()).as("the I and Q came in the same read").isTrue();
        assertThat(reader.read()).isEqualTo(new Message.Invalidated(2));
        assertThat(reader.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(reader.read()).isNull();
    }

    @Test
    void readsAMessageThatArrivesOneByteAtATime() throws Exception {
        Message task = new Message.Task(3, 1, 100, 8, MessageDecoderTest.jobData(1024));
        byte[] bytes = task.toBytes();
        InputStream trickle = new InputStream() {
            private int next;

            @Override
            public int read() {
                return next < bytes.length ? bytes[next++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (next >= bytes.length) {
                    return -1;
                }
                b[off] = bytes[next++];
                return 1;
            }
        };
        assertThat(new MessageReader(trickle, Direction.SERVER_TO_CLIENT).read()).isEqualTo(task);
    }

    @Test
    void anEndOfStreamInsideAMessageIsAProtocolError() {
        byte[] cut = Arrays.copyOf(new Message.Submit(1, 2).toBytes(), 4);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(cut), Direction.CLIENT_TO_SERVER);
        assertThatThrownBy(reader::read).isInstanceOf(ProtocolException.class)
                .hasMessage("the stream ended inside a S message: 4 of 7 bytes arrived");
    }
}
