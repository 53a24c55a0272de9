package dev.petrel.spi;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class Float16Test {
    @Test
    void everyHalfRoundTripsThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Float16.toFloat((short) bits);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(f)))).isTrue();
            } else {
                assertThat(Float16.fromFloat(f) & 0xFFFF).as("bits %04x", bits).isEqualTo(bits);
            }
        }
    }

    @Test
    void knownValues() {
        assertThat(Float16.toFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(Float16.toFloat((short) 0xC000)).isEqualTo(-2.0f);
        assertThat(Float16.toFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00); // rounds up to infinity
        assertThat(Float16.fromFloat(1.0009765625f)).isEqualTo((short) 0x3C01);
        // Halfway between 1 and the next half rounds to even (1).
        assertThat(Float16.fromFloat(1.00048828125f)).isEqualTo((short) 0x3C00);
        assertThat(Float16.floatToBfloat16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Float16.bfloat16ToFloat((short) 0x3F80)).isEqualTo(1.0f);
    }

    /** Conversion rounds to the nearest representable half: no half lies strictly closer. */
    @Property
    void fromFloatRoundsToNearest(@ForAll float f) {
        if (Float.isNaN(f) || Math.abs(f) > 65504f) return;
        short h = Float16.fromFloat(f);
        float back = Float16.toFloat(h);
        float up = Float16.toFloat((short) (h + 1));
        float down = Float16.toFloat((short) (h - 1));
        double err = Math.abs((double) back - f);
        if (!Float.isNaN(up) && !Float.isInfinite(up)) assertThat(err).isLessThanOrEqualTo(Math.abs((double) up - f));
        if (!Float.isNaN(down) && !Float.isInfinite(down)) assertThat(err).isLessThanOrEqualTo(Math.abs((double) down - f));
    }
}
