package dev.minepool.client.cli;

import dev.minepool.protocol.MinerName;
import java.time.Duration;

/**
 * Walks the options of the wallet and verify commands; accepts {@code --to bob} and {@code --to=bob}. Every
 * mistake is a {@link UsageException} with one sentence, which the command prints before exiting 2.
 */
public final class Options {
    private final String[] args;
    private int next;
    private String inlineValue;

    public Options(String[] args, int start) {
        this.args = args;
        this.next = start;
    }

    public boolean hasNext() {
        return next < args.length;
    }

    public String next() {
        String arg = args[next++];
        inlineValue = null;
        int equals = arg.indexOf('=');
        if (arg.startsWith("--") && equals > 2) {
            inlineValue = arg.substring(equals + 1);
            return arg.substring(0, equals);
        }
        return arg;
    }

    public String value(String option) throws UsageException {
        if (inlineValue != null) {
            return inlineValue;
        }
        if (next >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[next++];
    }

    public void noValue(String option) throws UsageException {
        if (inlineValue != null) {
            throw new UsageException(option + " takes no value");
        }
    }

    /** A miner name as a person typed it: cleaned as {@link MinerName#fromUserInput} does, or refused. */
    public MinerName name(String option) throws UsageException {
        String typed = value(option);
        try {
            return MinerName.fromUserInput(typed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage() + " (a miner name is 1 to " + MinerName.MAX_BYTES
                    + " bytes of UTF-8 without control, invisible or line-break characters)");
        }
    }

    public int intValue(String option, int min, int max) throws UsageException {
        String value = value(option);
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new UsageException(option + " needs a whole number from " + min + " to " + max + ", not '"
                + MinerName.escape(value) + "'");
    }

    /** Seconds above 0, up to a day, as a Duration. */
    public Duration seconds(String option) throws UsageException {
        String value = value(option);
        try {
            double seconds = Double.parseDouble(value.trim());
            if (seconds > 0 && seconds <= 24 * 3600) {
                return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new UsageException(option + " needs a number of seconds above 0 (up to a day), not '"
                + MinerName.escape(value) + "'");
    }

    public UsageException unknown(String option) {
        return new UsageException(option.startsWith("-") ? "unknown option '" + MinerName.escape(option) + "'"
                : "unexpected argument '" + MinerName.escape(option) + "'");
    }
}
