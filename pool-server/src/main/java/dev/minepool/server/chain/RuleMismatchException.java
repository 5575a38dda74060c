package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The chain file records a difficulty rule that the pool's command line cannot extend: another kind, another
 * target block time, or other fixed bits. The pool refuses to start rather than mine blocks that every reader of
 * the file would refuse; the message names both rules and the flags that would extend the chain.
 */
public final class RuleMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    RuleMismatchException(Path path, DifficultyRule recorded, DifficultyRule asked, long blocks) {
        super("chain file " + path + " records the difficulty rule \"" + recorded.describe() + "\" (" + blocks
                + (blocks == 1 ? " block" : " blocks") + "), but the command line asks for \"" + asked.from(1)
                .describe() + "\"; run with " + recorded.flags() + " to extend this chain, or give another --chain"
                + " to start a new one");
    }
}
