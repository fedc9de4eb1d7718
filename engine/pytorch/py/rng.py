"""The engine's random numbers (language/data/prng.ts), bit for bit: mulberry32, seeds derived per stream
with the murmur3 finalizer, and its Fisher-Yates shuffle. The same seed gives the engine's shuffles."""
STREAM_SHUFFLE = 0x73687566
M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    """Uniform floats in [0, 1)."""
    state = [seed & M32]

    def nxt():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296
    return nxt


def _fmix32(h):
    h ^= h >> 16
    h = _imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = _imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h & M32


def derive_seed(seed, *parts):
    h = _fmix32((seed & M32) ^ 0x9E3779B9)
    for p in parts:
        h = _fmix32(((h ^ (p & M32)) + 0x7F4A7C15) & M32)
    return h


def shuffle_in_place(items, rng):
    for i in range(len(items) - 1, 0, -1):
        j = int(rng() * (i + 1))
        items[i], items[j] = items[j], items[i]
