"""The tables kissfft 130's kiss_fftr_alloc computes for TFLM's int16 SignalRfft (FIXED_POINT 16), computed the
same way at compile time: kf_factor's radices, kiss_fft_alloc's twiddles, kiss_fftr_alloc's super twiddles
(KISS_FFT_COS/SIN: floor(0.5 + 32767 * cos(phase)) in double, the phases written as kissfft writes them), and
the input element each position of the first butterfly stage reads (kf_work's recursive decimation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SAMP_MAX = 32767
PI = 3.141592653589793238462643383279502884197169399375105820974944  # kiss_fft_alloc's literal (math.pi)
BUTTERFLIES = (2, 3, 4, 5)  # kf_bfly2..5; others go to kf_bfly_generic


@dataclass(frozen=True)
class RfftTables:
    factors: np.ndarray        # int16 [2 * stages]: radix, m of each stage, outermost first
    twiddles: np.ndarray       # int16 [2 * nfft]
    super_twiddles: np.ndarray  # int16 [2 * (nfft // 2)]
    input_order: np.ndarray    # uint16 [nfft]


def kf_factor(n: int) -> list[tuple[int, int]]:
    """kf_factor: powers of 4, then 2, then odd primes up to floor(sqrt(n)) of the ORIGINAL n, then the rest."""
    out = []
    p = 4
    floor_sqrt = math.floor(math.sqrt(float(n)))
    while True:
        while n % p:
            p = {4: 2, 2: 3}.get(p, p + 2)
            if p > floor_sqrt:
                p = n
        n //= p
        out.append((p, n))
        if n <= 1:
            return out


def unsupported_radix(nfft: int) -> int | None:
    """The first radix of an nfft-point kiss_fft that has no fixed butterfly (None: all are 2..5)."""
    for p, _ in kf_factor(nfft):
        if p not in BUTTERFLIES:
            return p
    return None


def _kiss_cos_sin(phase: float) -> tuple[int, int]:
    return math.floor(0.5 + SAMP_MAX * math.cos(phase)), math.floor(0.5 + SAMP_MAX * math.sin(phase))


def twiddles(nfft: int) -> list[tuple[int, int]]:
    """kiss_fft_alloc (forward): phase = -2*pi*i / nfft."""
    return [_kiss_cos_sin(-2 * PI * i / nfft) for i in range(nfft)]


def super_twiddles(nfft: int) -> list[tuple[int, int]]:
    """kiss_fftr_alloc (forward), nfft already halved: phase = -pi * ((i + 1) / nfft + 0.5)."""
    return [_kiss_cos_sin(-3.14159265358979323846264338327 * ((i + 1) / nfft + .5)) for i in range(nfft // 2)]


def input_order(factors: list[tuple[int, int]], nfft: int) -> list[int]:
    """kf_work's leaves: position j of the output starts as input element order[j]."""
    order = [0] * nfft

    def work(out: int, src: int, fstride: int, level: int) -> None:
        p, m = factors[level]
        for q in range(p):
            if m == 1:
                order[out + q] = src + q * fstride
            else:
                work(out + q * m, src + q * fstride, fstride * p, level + 1)

    work(0, 0, 1, 0)
    return order


def rfft_tables(nfft: int) -> RfftTables:
    factors = kf_factor(nfft)
    pairs = lambda cs: np.array(cs, dtype=np.int16).reshape(-1)  # noqa: E731
    return RfftTables(np.array(factors, dtype=np.int16).reshape(-1), pairs(twiddles(nfft)),
                      pairs(super_twiddles(nfft)) if nfft >= 2 else np.zeros(0, np.int16),
                      np.array(input_order(factors, nfft), dtype=np.uint16))
