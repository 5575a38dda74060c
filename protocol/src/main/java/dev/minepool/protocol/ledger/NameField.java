package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A name inside a record: 10 bytes, the name's UTF-8 followed by 0x00 padding, exactly as in {@code G}. Since a
 * valid name contains no 0x00 (a control character), stripping the trailing zeros recovers it, and each name has
 * exactly one encoding: the txid of a record cannot be changed by re-padding its names.
 */
final class NameField {
    static final int LENGTH = MinerName.MAX_BYTES;

    private NameField() {
    }

    static void write(ByteBuffer dst, MinerName name) {
        byte[] utf8 = name.utf8();
        dst.put(utf8);
        for (int i = utf8.length; i < LENGTH; i++) {
            dst.put((byte) 0);
        }
    }

    /**
     * Reads the field at the buffer's position (the caller has checked that it is there).
     *
     * @param what "the sender" etc., for the message
     */
    static MinerName read(ByteBuffer src, String what) throws MalformedTxException {
        byte[] field = new byte[LENGTH];
        src.get(field);
        int length = LENGTH;
        while (length > 0 && field[length - 1] == 0) {
            length--;
        }
        try {
            return MinerName.parse(Arrays.copyOf(field, length));
        } catch (MinerName.InvalidNameException e) {
            throw new MalformedTxException(what + " is not a valid name: " + e.getMessage());
        }
    }
}
