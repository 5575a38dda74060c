package dev.minepool.client.engine;

/**
 * Plain-Java SHA-256 pieces (FIPS 180-4) for the per-job precomputation of the vector engine: the midstate of
 * the data's full blocks, the constant message words and the rounds before the nonce. It runs once per job
 * and thread, never per nonce, so it is written for clarity, not speed.
 */
final class Sha256 {
    static final int BLOCK_BYTES = 64;
    static final int BLOCK_WORDS = 16;
    static final int ROUNDS = 64;
    /** The message length at the end of the last block: a u64 count of bits. */
    static final int LENGTH_BYTES = 8;

    static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    };

    static final int[] INITIAL_STATE = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };

    private Sha256() {
    }

    /** The state after compressing every full 64-byte block of {@code data}; the tail is left over. */
    static int[] midstate(byte[] data) {
        int[] state = INITIAL_STATE.clone();
        int[] block = new int[BLOCK_WORDS];
        for (int offset = 0; offset + BLOCK_BYTES <= data.length; offset += BLOCK_BYTES) {
            for (int i = 0; i < BLOCK_WORDS; i++) {
                block[i] = bigEndianInt(data, offset + 4 * i);
            }
            compress(state, block);
        }
        return state;
    }

    /** One compression of a 16-word block into {@code state}. */
    static void compress(int[] state, int[] block) {
        int[] w = schedule(block);
        int[] v = state.clone();
        for (int t = 0; t < ROUNDS; t++) {
            round(v, t, w[t]);
        }
        for (int i = 0; i < state.length; i++) {
            state[i] += v[i];
        }
    }

    /** The 64-word message schedule of a block. */
    static int[] schedule(int[] block) {
        int[] w = new int[ROUNDS];
        System.arraycopy(block, 0, w, 0, BLOCK_WORDS);
        for (int t = BLOCK_WORDS; t < ROUNDS; t++) {
            w[t] = smallSigma1(w[t - 2]) + w[t - 7] + smallSigma0(w[t - 15]) + w[t - 16];
        }
        return w;
    }

    /** Round {@code t} on the working variables {@code v} = a..h, in place. */
    static void round(int[] v, int t, int w) {
        int t1 = v[7] + bigSigma1(v[4]) + ch(v[4], v[5], v[6]) + K[t] + w;
        int t2 = bigSigma0(v[0]) + maj(v[0], v[1], v[2]);
        System.arraycopy(v, 0, v, 1, 7);
        v[4] += t1;
        v[0] = t1 + t2;
    }

    static int ch(int e, int f, int g) {
        return g ^ (e & (f ^ g));
    }

    static int maj(int a, int b, int c) {
        return (a & b) | (c & (a | b));
    }

    static int bigSigma0(int x) {
        return Integer.rotateRight(x, 2) ^ Integer.rotateRight(x, 13) ^ Integer.rotateRight(x, 22);
    }

    static int bigSigma1(int x) {
        return Integer.rotateRight(x, 6) ^ Integer.rotateRight(x, 11) ^ Integer.rotateRight(x, 25);
    }

    static int smallSigma0(int x) {
        return Integer.rotateRight(x, 7) ^ Integer.rotateRight(x, 18) ^ (x >>> 3);
    }

    static int smallSigma1(int x) {
        return Integer.rotateRight(x, 17) ^ Integer.rotateRight(x, 19) ^ (x >>> 10);
    }

    static int bigEndianInt(byte[] bytes, int offset) {
        return (bytes[offset] << 24) | ((bytes[offset + 1] & 0xFF) << 16) | ((bytes[offset + 2] & 0xFF) << 8)
                | (bytes[offset + 3] & 0xFF);
    }
}
