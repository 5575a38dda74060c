package dev.minepool.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Locale;

/**
 * The ways a person asks a running miner for its per-thread table, as xmrig's {@code h} key does: {@code kill
 * -USR2 PID}, or {@code h} then Enter when the miner runs on a terminal (the JDK reads a terminal a line at a
 * time; a raw key would need {@code stty}, which is not the JDK).
 *
 * <p>SIGUSR2 goes through {@code sun.misc.Signal}, the JDK's only handle on signals (module jdk.unsupported, there
 * in every JDK). OpenJDK 17 on Linux lets an application take SIGUSR2 (checked: {@code kill -USR2} prints the
 * table); a JVM that keeps it for itself refuses the handler, and the miner then says once, on standard error,
 * that the key and {@code --print-threads} remain.
 */
final class ThreadTableKeys {
    private ThreadTableKeys() {
    }

    static void install(Miner miner, PrintStream err) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR2"), signal -> miner.requestThreadTable());
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            err.println("minepool client: SIGUSR2 is taken by this JVM (" + e.getMessage() + "); for the per-thread "
                    + "table press h and Enter, or use --print-threads S");
        }
        if (System.console() != null) {
            Thread keys = new Thread(() -> readKeys(miner), "miner-keys");
            keys.setDaemon(true);
            keys.start();
        }
    }

    private static void readKeys(Miner miner) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset()));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.trim().toLowerCase(Locale.ROOT).equals("h")) {
                    miner.requestThreadTable();
                }
            }
        } catch (IOException e) {
            // no terminal any more: nothing to read keys from
        }
    }
}
