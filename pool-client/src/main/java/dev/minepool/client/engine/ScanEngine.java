package dev.minepool.client.engine;

/** A way of hashing nonces; each makes scanners that give the same answers, at different speeds. */
public interface ScanEngine {
    /** A short name for people and options ({@code digest}). */
    String name();

    /**
     * Tunes the engine to this machine with a short measurement, before mining; returns a line saying what it
     * chose, or null when there is nothing to tune.
     */
    default String calibrate() {
        return null;
    }

    /** A scanner for one job's data, for one thread. */
    NonceScanner scanner(byte[] data);
}
