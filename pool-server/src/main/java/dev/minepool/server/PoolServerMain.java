package dev.minepool.server;

/** Placeholder until the pool server lands (issue 3). */
public final class PoolServerMain {
    private PoolServerMain() {
    }

    public static void main(String[] args) {
        System.err.println("pool-server: not built yet");
        System.exit(2);
    }
}
