package dev.minepool.server.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.chain.DifficultyRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Difficulty}'s sentences for blocks that break the rule, on blocks really mined by {@link TestChains}. */
class DifficultyViolationTest {
    private static final long T0 = 1_764_700_000_000L;

    @Test
    void violationsNameWhatIsWrong() {
        List<Block> blocks = TestChains.mine(DifficultyRule.retarget(3, 1_000), new long[] {T0, T0 + 500});
        Difficulty difficulty = new Difficulty(DifficultyRule.retarget(3, 1_000));
        assertThat(violation(difficulty, blocks.get(0), T0)).isNull();
        Block first = blocks.get(0);
        difficulty.add(first.height(), first.zeroBits(), first.data(), first.foundAtMillis());
        assertThat(violation(difficulty, blocks.get(1), T0 - Difficulty.FUTURE_BOUND_MILLIS + 500))
                .as("exactly at the bound").isNull();
        assertThat(violation(difficulty, blocks.get(1), T0 - Difficulty.FUTURE_BOUND_MILLIS + 499))
                .contains("ahead of this machine's clock");
        Block lowered = new Block(2, blocks.get(1).previousHash(), blocks.get(1).data(), blocks.get(1).nonce(), 2,
                "alice", T0, 0);
        assertThat(violation(difficulty, lowered, T0)).isEqualTo("it says 2 zero bits, but the chain's rule"
                + " (retarget to 1 s a block from 3 zero bits (tau 4 s)) requires 3");
    }

    private static String violation(Difficulty difficulty, Block block, long nowMillis) {
        return difficulty.violation(block.height(), block.zeroBits(), block.data(), nowMillis);
    }
}
