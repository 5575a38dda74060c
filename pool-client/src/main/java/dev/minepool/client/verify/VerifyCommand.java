package dev.minepool.client.verify;

import dev.minepool.client.api.ApiException;
import dev.minepool.client.api.PoolApi;
import dev.minepool.client.api.Terminal;
import dev.minepool.client.cli.Options;
import dev.minepool.client.cli.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@code minepool client verify [--api URL] [--copy FILE]}: brings a local copy of the pool's chain up to date,
 * re-checks every block in it, and compares the pool's balances with the chain's. Exit codes: 0 every block
 * checks out and every balance agrees; 1 a bad block (its height and the rule it breaks are printed), a balance
 * that disagrees (the account is named), or a damaged copy; 2 a bad command line; 3 the pool could not be asked
 * (unreachable, or an answer that is not the API's), so nothing was decided.
 */
public final class VerifyCommand {
    public static final int EXIT_OK = 0;
    public static final int EXIT_BAD = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNCHECKED = 3;

    private VerifyCommand() {
    }

    /** @param home where the default copy lives ({@code ~/.minepool/chains/}) */
    public static int run(String[] args, int start, PrintStream out, PrintStream err, Path home) {
        String url = PoolApi.DEFAULT_URL;
        Path copyFile = null;
        PoolApi api;
        try {
            Options options = new Options(args, start);
            while (options.hasNext()) {
                String option = options.next();
                switch (option) {
                    case "-h", "--help" -> {
                        out.print(usage());
                        return EXIT_OK;
                    }
                    case "--api" -> url = options.value(option);
                    case "--copy" -> copyFile = Path.of(options.value(option));
                    default -> throw options.unknown(option);
                }
            }
            api = PoolApi.of(url);
        } catch (UsageException | IllegalArgumentException e) {
            err.println("minepool client verify: " + e.getMessage());
            err.println("run minepool client verify --help to see the options");
            return EXIT_USAGE;
        }
        if (copyFile == null) {
            copyFile = defaultCopy(home, api);
        }
        out.println("verifying the chain of " + api.url() + " (local copy " + copyFile + ")");
        try (ChainCheck check = new ChainCheck(api, copyFile, note -> out.println("note: " + note))) {
            ChainCheck.Outcome outcome = check.run();
            out.println("re-checked " + outcome.fromCopy() + " blocks from the copy and " + outcome.downloaded()
                    + " downloaded: every proof of work, link, difficulty, registration, signature, nonce and "
                    + "balance");
            out.println(outcome.summary() + " with " + api.url() + "api/balances");
            return EXIT_OK;
        } catch (VerifyException | ChainCopy.Damaged e) {
            // The reasons quote what the pool sent (records' names, hashes): escaped for the terminal.
            err.println("minepool client verify: FAILED: " + Terminal.safe(e.getMessage()));
            return EXIT_BAD;
        } catch (ApiException e) {
            err.println("minepool client verify: could not check: " + Terminal.safe(
                    e.getMessage()));
            return EXIT_UNCHECKED;
        } catch (IOException e) {
            err.println("minepool client verify: could not use the copy " + copyFile + ": " + e);
            return EXIT_UNCHECKED;
        }
    }

    /** {@code ~/.minepool/chains/HOST_PORT.copy}: one copy per pool address. */
    public static Path defaultCopy(Path home, PoolApi api) {
        URI uri = URI.create(api.url());
        int port = uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        String host = uri.getHost().replaceAll("[^A-Za-z0-9.-]", "_");
        return home.resolve(".minepool").resolve("chains").resolve(host + "_" + port + ".copy");
    }

    static String usage() {
        return """
                usage: minepool client verify [--api URL] [--copy FILE]

                Downloads the pool's chain into a local copy (only the blocks it does not have yet), checks
                every block again (proof of work, link, difficulty rule, registrations, signatures, nonces and
                balances) and compares the pool's balances (/api/balances) with the chain's, to the base unit.

                  --api URL    the pool's HTTP address (default %s)
                  --copy FILE  the local copy (default ~/.minepool/chains/HOST_PORT.copy)

                exit codes: 0 all agree; 1 a bad block (named, with the rule it breaks), a balance that
                disagrees (the account is named) or a damaged copy; 2 a bad command line; 3 the pool could
                not be asked, so nothing was decided.
                """.formatted(PoolApi.DEFAULT_URL);
    }
}
