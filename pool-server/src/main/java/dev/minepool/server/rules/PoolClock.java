package dev.minepool.server.rules;

/** The two clocks the rules read: a monotonic one for rates and deadlines, the wall clock for timestamps. */
public interface PoolClock {
    PoolClock SYSTEM = new PoolClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };

    long nanoTime();

    long currentTimeMillis();
}
