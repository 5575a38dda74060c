package dev.minepool.client;

/** Placeholder until the pool client lands (issue 4). */
public final class PoolClientMain {
    private PoolClientMain() {
    }

    public static void main(String[] args) {
        System.err.println("pool-client: not built yet");
        System.exit(2);
    }
}
