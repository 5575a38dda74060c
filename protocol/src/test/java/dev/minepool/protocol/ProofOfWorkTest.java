package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The worked vector of PROTOCOL.md: data[i] = i mod 256, 1024 bytes. */
class ProofOfWorkTest {
    static final byte[] VECTOR_DATA = MessageDecoderTest.jobData(1024);

    @Test
    void workedVectorAt16Bits() {
        byte[] hash = ProofOfWork.hash(VECTOR_DATA, 5713);
        assertThat(HexFormat.of().formatHex(hash))
                .isEqualTo("0000cd28fcc9dbc8c07e061507d162cc628714a8262b0a1f269f84f293f1297d");
        assertThat(ProofOfWork.leadingZeroBits(hash)).isEqualTo(16);
        assertThat(ProofOfWork.verify(VECTOR_DATA, 5713, 16)).isTrue();
        assertThat(ProofOfWork.verify(VECTOR_DATA, 5713, 17)).isFalse();
    }

    @Test
    void workedVectorAt20Bits() {
        byte[] hash = ProofOfWork.hash(VECTOR_DATA, 675764);
        assertThat(HexFormat.of().formatHex(hash))
                .isEqualTo("00000cec028aa425cbb5111bfc2e2e81e1ff18c6d37906d4e884f1f4b9dc0992");
        assertThat(ProofOfWork.leadingZeroBits(hash)).isEqualTo(20);
    }

    @Test
    void noSmallerNonceMeets16Bits() {
        for (long n = 0; n < 5713; n++) {
            assertThat(ProofOfWork.verify(VECTOR_DATA, n, 16)).as("nonce %d", n).isFalse();
        }
    }

    @Test
    void midstateHashEqualsTheFullHash() {
        byte[] out = new byte[32];
        ProofOfWork.hash(ProofOfWork.midstate(VECTOR_DATA), 675764, out);
        assertThat(out).isEqualTo(ProofOfWork.hash(VECTOR_DATA, 675764));
    }

    @Test
    void nonceIsAppendedBigEndian() {
        assertThat(ProofOfWork.nonceBytes(0x0003fa1cL)).containsExactly(0x00, 0x03, 0xfa, 0x1c);
        assertThat(ProofOfWork.nonceBytes(0xFFFF_FFFFL)).containsExactly(0xff, 0xff, 0xff, 0xff);
    }

    @Test
    void countsLeadingZeroBits() {
        assertThat(ProofOfWork.leadingZeroBits(new byte[32])).isEqualTo(256);
        byte[] hash = new byte[32];
        hash[2] = 0x01;
        assertThat(ProofOfWork.leadingZeroBits(hash)).isEqualTo(23);
        hash[0] = (byte) 0x80;
        assertThat(ProofOfWork.leadingZeroBits(hash)).isZero();
    }
}
