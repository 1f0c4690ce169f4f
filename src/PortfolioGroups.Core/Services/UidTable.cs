using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace PortfolioGroups.Services;

/// <summary>
/// Which uids of an array were seen before, for one check of a key set: a chained hash index of
/// positions in the array itself (the uids are not copied), its two int arrays rented from the
/// shared pool. For 40,000 uids that is 416 KB of pooled ints, where a <see cref="HashSet{T}"/>
/// allocated 1.1 MB on every call. Disposing returns the arrays.
/// </summary>
internal struct UidTable : IDisposable
{
    private readonly Guid[] _uids;
    private readonly int _mask;
    private int[]? _heads;
    private int[]? _next;

    public UidTable(Guid[] uids)
    {
        _uids = uids;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, uids.Length));
        _mask = size - 1;
        _heads = ArrayPool<int>.Shared.Rent(size);
        _next = ArrayPool<int>.Shared.Rent(uids.Length);
        Clear();
    }

    /// <summary>Forgets every position added.</summary>
    public readonly void Clear() => Array.Clear(_heads!, 0, _mask + 1);

    /// <summary>Adds the uid at <paramref name="position"/>; false when an equal uid was added before.</summary>
    public readonly bool Add(int position)
    {
        var uids = _uids;
        var uid = uids[position];
        var halves = MemoryMarshal.Cast<Guid, ulong>(new ReadOnlySpan<Guid>(in uid));
        ref var head = ref _heads![(int)(Mix(halves[0] ^ Mix(halves[1])) & (ulong)_mask)];
        var next = _next!;
        for (var at = head - 1; at >= 0; at = next[at])
        {
            if (uids[at] == uid)
            {
                return false;
            }
        }

        next[position] = head - 1;
        head = position + 1;
        return true;
    }

    public void Dispose()
    {
        if (_heads is { } heads)
        {
            ArrayPool<int>.Shared.Return(heads);
            ArrayPool<int>.Shared.Return(_next!);
            _heads = null;
            _next = null;
        }
    }

    /// <summary>SplitMix64's finalizer: spreads every input bit over the output.</summary>
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
