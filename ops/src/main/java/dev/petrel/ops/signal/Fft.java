package dev.petrel.ops.signal;

/**
 * Complex discrete Fourier transform of one length, in double precision, in place on separate real
 * and imaginary arrays. Powers of two use an iterative radix-2 FFT; other lengths use Bluestein's
 * chirp-z algorithm, which rewrites the DFT as a convolution computed with a power-of-two FFT, so
 * every length costs O(n log n). The transform is unscaled in both directions.
 */
final class Fft {
    private final int n;
    // Radix-2 tables for length m (m = n for powers of two, else the Bluestein convolution length).
    private final int m;
    private final double[] cos;
    private final double[] sin;
    private final int[] bitReverse;
    // Bluestein: chirp exp(-i pi k^2 / n) and the FFT of its conjugate, zero-padded and wrapped to m.
    private final double[] chirpRe;
    private final double[] chirpIm;
    private final double[] kernelRe;
    private final double[] kernelIm;
    private final double[] workRe;
    private final double[] workIm;

    Fft(int n) {
        if (n < 1) throw new IllegalArgumentException("FFT length must be positive, got " + n);
        this.n = n;
        boolean pow2 = (n & (n - 1)) == 0;
        int len = pow2 ? n : Integer.highestOneBit(2 * n - 1) << 1;
        this.m = len;
        cos = new double[m / 2];
        sin = new double[m / 2];
        for (int k = 0; k < m / 2; k++) {
            double a = -2 * Math.PI * k / m;
            cos[k] = Math.cos(a);
            sin[k] = Math.sin(a);
        }
        bitReverse = new int[m];
        int bits = Integer.numberOfTrailingZeros(m);
        for (int k = 0; k < m; k++) bitReverse[k] = bits == 0 ? 0 : Integer.reverse(k) >>> (32 - bits);
        if (pow2) {
            chirpRe = chirpIm = kernelRe = kernelIm = workRe = workIm = null;
            return;
        }
        chirpRe = new double[n];
        chirpIm = new double[n];
        long twoN = 2L * n;
        for (int k = 0; k < n; k++) {
            // k^2 mod 2n keeps the angle small, so large k lose no precision.
            long q = ((long) k * k) % twoN;
            double a = -Math.PI * q / n;
            chirpRe[k] = Math.cos(a);
            chirpIm[k] = Math.sin(a);
        }
        kernelRe = new double[m];
        kernelIm = new double[m];
        kernelRe[0] = chirpRe[0];
        kernelIm[0] = -chirpIm[0];
        for (int k = 1; k < n; k++) {
            kernelRe[k] = kernelRe[m - k] = chirpRe[k];
            kernelIm[k] = kernelIm[m - k] = -chirpIm[k];
        }
        radix2(kernelRe, kernelIm, false);
        workRe = new double[m];
        workIm = new double[m];
    }

    int length() {
        return n;
    }

    /** Transforms re/im (length n) in place: forward uses exp(-2 pi i jk/n), inverse exp(+2 pi i jk/n), no 1/n. */
    void transform(double[] re, double[] im, boolean inverse) {
        if (inverse) {
            // The inverse is the conjugate of the forward transform of the conjugate.
            for (int k = 0; k < n; k++) im[k] = -im[k];
            forward(re, im);
            for (int k = 0; k < n; k++) im[k] = -im[k];
        } else {
            forward(re, im);
        }
    }

    private void forward(double[] re, double[] im) {
        if (chirpRe == null) {
            radix2(re, im, false);
            return;
        }
        for (int k = 0; k < n; k++) {
            workRe[k] = re[k] * chirpRe[k] - im[k] * chirpIm[k];
            workIm[k] = re[k] * chirpIm[k] + im[k] * chirpRe[k];
        }
        for (int k = n; k < m; k++) {
            workRe[k] = 0;
            workIm[k] = 0;
        }
        radix2(workRe, workIm, false);
        for (int k = 0; k < m; k++) {
            double r = workRe[k] * kernelRe[k] - workIm[k] * kernelIm[k];
            double i = workRe[k] * kernelIm[k] + workIm[k] * kernelRe[k];
            workRe[k] = r;
            workIm[k] = i;
        }
        radix2(workRe, workIm, true);
        double scale = 1.0 / m;
        for (int k = 0; k < n; k++) {
            double r = workRe[k] * scale, i = workIm[k] * scale;
            re[k] = r * chirpRe[k] - i * chirpIm[k];
            im[k] = r * chirpIm[k] + i * chirpRe[k];
        }
    }

    /** Unscaled radix-2 FFT of length m in place; {@code inverse} flips the twiddle sign. */
    private void radix2(double[] re, double[] im, boolean inverse) {
        for (int k = 0; k < m; k++) {
            int j = bitReverse[k];
            if (j > k) {
                double t = re[k]; re[k] = re[j]; re[j] = t;
                t = im[k]; im[k] = im[j]; im[j] = t;
            }
        }
        double sign = inverse ? -1 : 1;
        for (int size = 2; size <= m; size <<= 1) {
            int half = size >> 1;
            int step = m / size;
            for (int start = 0; start < m; start += size) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * step], wi = sign * sin[k * step];
                    int a = start + k, b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }
}
