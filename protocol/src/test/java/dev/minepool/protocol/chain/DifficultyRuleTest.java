package dev.minepool.protocol.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The difficulty rule's arithmetic, with the numbers of PROTOCOL.md's worked example, and its header field. */
class DifficultyRuleTest {
    static final DifficultyRule RULE = DifficultyRule.retarget(12, 2_000);
    static final long T0 = 1_764_700_000_000L;

    @Test
    void theWorkedExampleOfProtocolMd() {
        // Job timestamps of blocks 1..6, ms after T0 (2025-12-02T18:26:40Z): solve times 400, 300, 300, 2100, 20000.
        long[] timestamps = {0, 400, 700, 1_000, 3_100, 23_100};
        Difficulty difficulty = new Difficulty(RULE);
        List<Long> accumulators = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        for (int i = 0; i < timestamps.length; i++) {
            accumulators.add(difficulty.accumulator());
            bits.add(difficulty.requiredBits());
            difficulty.add(i + 1, difficulty.requiredBits(), T0 + timestamps[i], T0 + timestamps[i] + 50);
        }
        assertThat(accumulators).as("F before each block").containsExactly(786_432L, 786_432L, 799_539L, 813_465L,
                827_391L, 826_571L);
        assertThat(bits).as("the zero bits of blocks 1..6").containsExactly(12, 12, 12, 12, 13, 13);
        assertThat(difficulty.accumulator()).as("F for block 7: 20 s counts as 12 s").isEqualTo(744_651L);
        assertThat(difficulty.requiredBits()).isEqualTo(11);
    }

    @Test
    void eachStepIsFlooredIntegerArithmetic() {
        assertThat(RULE.tauMillis()).isEqualTo(8_000);
        // (2000 - 400) * 65536 / 8000 = 13107.2: floored to 13107
        assertThat(RULE.nextAccumulator(786_432, 400)).isEqualTo(786_432 + 13_107);
        // (2000 - 2100) * 65536 / 8000 = -819.2: floored to -820, not truncated to -819
        assertThat(RULE.nextAccumulator(786_432, 2_100)).isEqualTo(786_432 - 820);
        assertThat(RULE.nextAccumulator(786_432, 2_000)).as("on target, no change").isEqualTo(786_432);
        // a solve time below 0 counts as 0, above 6 targets as 6 targets
        assertThat(RULE.nextAccumulator(786_432, -5_000)).isEqualTo(RULE.nextAccumulator(786_432, 0));
        assertThat(RULE.nextAccumulator(786_432, 3_600_000)).isEqualTo(786_432 - 81_920);
        // F stays within 1..255 bits
        assertThat(RULE.nextAccumulator(255 * DifficultyRule.SCALE, 0)).isEqualTo(255 * DifficultyRule.SCALE);
        assertThat(RULE.nextAccumulator(DifficultyRule.SCALE + 5, 3_600_000)).isEqualTo(DifficultyRule.SCALE);
    }

    @Test
    void bitsRoundHalvesUp() {
        assertThat(DifficultyRule.bits(12 * DifficultyRule.SCALE + DifficultyRule.SCALE / 2)).isEqualTo(13);
        assertThat(DifficultyRule.bits(12 * DifficultyRule.SCALE + DifficultyRule.SCALE / 2 - 1)).isEqualTo(12);
        assertThat(DifficultyRule.bits(DifficultyRule.SCALE)).isEqualTo(1);
        assertThat(DifficultyRule.bits(255 * DifficultyRule.SCALE)).isEqualTo(255);
    }

    @Test
    void theHeaderFieldIsRuleStartTargetTauAndFirstHeight() {
        assertThat(HexFormat.of().formatHex(RULE.encode())).isEqualTo("02" + "0c" + "000007d0" + "00001f40"
                + "00000001");
        assertThat(HexFormat.of().formatHex(DifficultyRule.fixed(24).from(43).encode())).isEqualTo("01" + "18"
                + "00000000" + "00000000" + "0000002b");
        assertThat(DifficultyRule.decode(RULE.encode())).isEqualTo(RULE);
        assertThat(DifficultyRule.decode(DifficultyRule.fixed(24).from(43).encode()))
                .isEqualTo(DifficultyRule.fixed(24).from(43));
        byte[] unknown = RULE.encode();
        unknown[0] = 3;
        assertThatThrownBy(() -> DifficultyRule.decode(unknown)).hasMessageContaining("difficulty rule 3 is unknown");
        byte[] noTarget = RULE.encode();
        noTarget[DifficultyRule.TARGET_OFFSET + 2] = 0;
        noTarget[DifficultyRule.TARGET_OFFSET + 3] = 0;
        assertThatThrownBy(() -> DifficultyRule.decode(noTarget)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> DifficultyRule.decode(new byte[13])).hasMessageContaining("13 bytes, not 14");
    }

    @Test
    void aPoolMayExtendAChainOnlyUnderTheSameRule() {
        assertThat(DifficultyRule.fixed(8).compatibleWith(DifficultyRule.fixed(8).from(40))).isTrue();
        assertThat(DifficultyRule.fixed(9).compatibleWith(DifficultyRule.fixed(8))).isFalse();
        assertThat(DifficultyRule.retarget(20, 2_000).compatibleWith(RULE))
                .as("--bits only says where a new retargeting chain starts").isTrue();
        assertThat(DifficultyRule.retarget(12, 3_000).compatibleWith(RULE)).isFalse();
        assertThat(DifficultyRule.fixed(12).compatibleWith(RULE)).isFalse();
        assertThat(RULE.compatibleWith(DifficultyRule.fixed(12))).isFalse();
    }

    @Test
    void rulesDescribeThemselvesAndTheFlagsThatAskForThem() {
        assertThat(RULE.describe()).isEqualTo("retarget to 2 s a block from 12 zero bits (tau 8 s)");
        assertThat(RULE.flags()).isEqualTo("--bits 12 --target-block-time 2s");
        assertThat(DifficultyRule.retarget(20, 600_000).flags()).isEqualTo("--bits 20 --target-block-time 10m");
        assertThat(DifficultyRule.retarget(20, 1_500).describe()).startsWith("retarget to 1.5 s a block");
        assertThat(DifficultyRule.fixed(24).from(43).describe()).isEqualTo("fixed at 24 zero bits, from block 43");
        assertThat(DifficultyRule.fixed(24).flags()).isEqualTo("--bits 24");
    }

    @Test
    void aFixedRuleAsksTheSameBitsWhateverTheTimes() {
        Difficulty difficulty = new Difficulty(DifficultyRule.fixed(9));
        difficulty.add(1, 9, T0, T0);
        difficulty.add(2, 9, T0, T0);
        difficulty.add(3, 9, T0 + 3_600_000, T0 + 3_600_000);
        assertThat(difficulty.requiredBits()).isEqualTo(9);
        assertThat(difficulty.work().value()).isEqualTo(3 * 512);
    }

    @Test
    void blocksBeforeTheFirstHeightKeepTheirBitsAndTheRuleStartsAfterThem() {
        Difficulty difficulty = new Difficulty(RULE.from(3));
        assertThat(difficulty.requiredBits()).as("block 1 is before the rule: any bits").isZero();
        difficulty.add(1, 20, T0, T0);
        difficulty.add(2, 5, T0 - 10_000, T0); // an old pool whose clock stepped back: not the rule's business
        assertThat(difficulty.requiredBits()).isEqualTo(12);
        assertThat(difficulty.earliestTimestamp()).as("block 3 has no governed block before it").isZero();
        difficulty.add(3, 12, T0, T0);
        assertThat(difficulty.requiredBits()).as("block 3 has no solve time the rule counts").isEqualTo(12);
        assertThat(difficulty.earliestTimestamp()).isEqualTo(T0);
        difficulty.add(4, 12, T0, T0);
        assertThat(difficulty.accumulator()).as("block 4 came 0 ms after block 3").isEqualTo(786_432 + 16_384);
    }


    @Test
    void theMeasuredBlockTimeIsTheMeanOfTheLast20FoundAtGaps() {
        Difficulty difficulty = new Difficulty(RULE);
        assertThat(difficulty.measuredMillis()).isEqualTo(-1);
        long foundAt = T0;
        for (int h = 1; h <= 30; h++) {
            foundAt += h <= 10 ? 10_000 : 1_000; // ten slow blocks, then twenty fast ones
            difficulty.add(h, difficulty.requiredBits(), foundAt - 500, foundAt);
            if (h == 2) {
                assertThat(difficulty.measuredMillis()).isEqualTo(10_000);
                assertThat(difficulty.measuredBlocks()).isEqualTo(1);
            }
        }
        assertThat(difficulty.measuredBlocks()).isEqualTo(20);
        assertThat(difficulty.measuredMillis()).as("only the last 20 gaps").isEqualTo(1_000);
    }

    @Test
    void theChainWithMoreWorkBeatsALongerOneWithLess() {
        ChainWork tenEasy = ChainWork.NONE;
        for (int i = 0; i < 10; i++) {
            tenEasy = tenEasy.plus(8);
        }
        ChainWork twoHard = ChainWork.NONE.plus(12).plus(12);
        assertThat(tenEasy.value()).isEqualTo(BigInteger.valueOf(2_560));
        assertThat(twoHard.beats(tenEasy)).as("8192 hashes beat 2560").isTrue();
        assertThat(tenEasy.beats(twoHard)).isFalse();
        assertThat(twoHard.beats(ChainWork.NONE.plus(13))).as("a tie keeps the chain held first").isFalse();
        assertThat(ChainWork.NONE.plus(255).value()).isEqualTo(BigInteger.ONE.shiftLeft(255));
        assertThat(ChainWork.NONE.plus(255).log2()).isCloseTo(255.0, within(1e-9));
    }
}
