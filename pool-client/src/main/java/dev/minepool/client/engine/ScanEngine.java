package dev.minepool.client.engine;

/** A way of hashing nonces; each makes scanners that give the same answers, at different speeds. */
public interface ScanEngine {
    /** A short name for people and options ({@code digest}). */
    String name();

    /** A scanner for one job's data, for one thread. */
    NonceScanner scanner(byte[] data);
}
