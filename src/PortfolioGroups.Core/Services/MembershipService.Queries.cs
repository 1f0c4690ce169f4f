using System.Runtime.CompilerServices;
using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>
/// Set queries through the membership table: member counts per group, the groups of many
/// portfolios, and the streamed listings. Arguments are checked when the call is made, before
/// anything runs; a stream opens its connection at the first row asked for.
/// </summary>
internal sealed partial class MembershipService
{
    // How many unknown references an error lists before it gives only their number.
    private const int ListedMissing = 5;

    /// <summary>The member count of each named group (every group when <paramref name="groups"/> is null), keyed by group uid; zero for a group without members.</summary>
    public async Task<IReadOnlyDictionary<Guid, long>> CountPortfoliosAsync(IEnumerable<PortfolioGroupRef>? groups, CancellationToken cancellationToken)
    {
        var keys = Guard.Keys(groups, g => Guard.Key(g, nameof(groups)));
        if (keys.IsGiven && keys.IsEmpty)
        {
            return new Dictionary<Guid, long>();
        }

        var rows = await memberships.CountPortfoliosAsync(keys, cancellationToken).ConfigureAwait(false);
        ThrowIfUnknown(keys, rows.Select(r => (r.Uid, r.UniqueIdentifier)), PortfolioGroupRepository.Table);
        return rows.ToDictionary(r => r.Uid, r => r.Members);
    }

    /// <summary>The groups of each named portfolio, keyed by portfolio uid, each list in group uid order (empty for a portfolio without groups).</summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<PortfolioGroupRecord>>> GroupsOfPortfoliosAsync(IEnumerable<PortfolioRef> portfolios, CancellationToken cancellationToken)
    {
        var keys = Guard.Keys(Guard.NotNull(portfolios), p => Guard.Key(p, nameof(portfolios)));
        if (keys.IsEmpty)
        {
            return new Dictionary<Guid, IReadOnlyList<PortfolioGroupRecord>>();
        }

        var rows = await memberships.GroupsOfPortfoliosAsync(keys, cancellationToken).ConfigureAwait(false);
        var lists = new Dictionary<Guid, List<PortfolioGroupRecord>>();
        var found = new List<(Guid, string)>();
        foreach (var row in rows)
        {
            if (!lists.TryGetValue(row.PortfolioUid, out var list))
            {
                lists.Add(row.PortfolioUid, list = []);
                found.Add((row.PortfolioUid, row.PortfolioUniqueIdentifier));
            }

            if (row.Group is { } group)
            {
                list.Add(group);
            }
        }

        ThrowIfUnknown(keys, found, PortfolioRepository.Table);

        // Guid's order is the databases' uuid order (canonical text order), so sorting here matches
        // a listing's order without a sort of every row in the database.
        var result = new Dictionary<Guid, IReadOnlyList<PortfolioGroupRecord>>(lists.Count);
        foreach (var (uid, list) in lists)
        {
            list.Sort((a, b) => a.Uid.CompareTo(b.Uid));
            result.Add(uid, list);
        }

        return result;
    }

    /// <summary>Every membership a filter selects, in uid order, streamed.</summary>
    public IAsyncEnumerable<MembershipRecord> StreamAsync(PortfolioGroupMembershipFilter? filter, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupMembershipFilter();
        var groupKeys = Guard.Keys(filter.GroupUids, filter.GroupUniqueIdentifiers, "filter.GroupUids", "filter.GroupUniqueIdentifiers");
        var portfolioKeys = Guard.Keys(filter.PortfolioUids, filter.PortfolioUniqueIdentifiers, "filter.PortfolioUids", "filter.PortfolioUniqueIdentifiers");
        return memberships.StreamAsync(groupKeys, portfolioKeys, cancellationToken);
    }

    /// <summary>The portfolios of a group, in portfolio uid order, streamed; a missing group is told apart from an empty one after the rows (only when there were none).</summary>
    /// <remarks>Each row is handed out as <paramref name="bind"/> makes it, in this one enumeration (no layer per row above it).</remarks>
    public IAsyncEnumerable<T> StreamPortfoliosOfGroupAsync<T>(PortfolioGroupRef group, Func<PortfolioRecord, T> bind, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        return ThenCheckAsync(
            memberships.StreamPortfoliosOfGroupAsync(key, cancellationToken),
            bind,
            async ct => await groups.FindAsync(key, ct).ConfigureAwait(false) is not null,
            () => key.NotFound(PortfolioGroupRepository.Table),
            cancellationToken);
    }

    /// <summary>The groups of a portfolio, in group uid order, streamed; a missing portfolio is told apart from one without groups after the rows (only when there were none).</summary>
    public IAsyncEnumerable<T> StreamGroupsOfPortfolioAsync<T>(PortfolioRef portfolio, Func<PortfolioGroupRecord, T> bind, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        return ThenCheckAsync(
            memberships.StreamGroupsOfPortfolioAsync(key, cancellationToken),
            bind,
            async ct => await portfolios.FindAsync(key, ct).ConfigureAwait(false) is not null,
            () => key.NotFound(PortfolioRepository.Table),
            cancellationToken);
    }

    /// <summary>Yields the rows, each bound by <paramref name="bind"/>; when there were none, throws unless <paramref name="exists"/> finds the named row (after the stream's connection is released).</summary>
    private static CheckedStream<TRecord, T> ThenCheckAsync<TRecord, T>(
        IAsyncEnumerable<TRecord> rows,
        Func<TRecord, T> bind,
        Func<CancellationToken, Task<bool>> exists,
        Func<RowNotFoundException> notFound,
        CancellationToken cancellationToken = default) =>
        new CheckedStream<TRecord, T>(rows, bind, exists, notFound, cancellationToken);

    /// <summary>
    /// <see cref="ThenCheckAsync"/> as a thin enumerator rather than an async iterator: each row is
    /// passed through in the inner stream's own <c>MoveNextAsync</c>, with no state machine of its
    /// own per row (a stream of 100,000 rows spends no measurable time here).
    /// </summary>
    private sealed class CheckedStream<TRecord, T>(
        IAsyncEnumerable<TRecord> rows,
        Func<TRecord, T> bind,
        Func<CancellationToken, Task<bool>> exists,
        Func<RowNotFoundException> notFound,
        CancellationToken cancellationToken) : IAsyncEnumerable<T>
    {
        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken enumeratorCancellation = default)
        {
            var token = cancellationToken.CanBeCanceled || !enumeratorCancellation.CanBeCanceled ? cancellationToken : enumeratorCancellation;
            if (cancellationToken.CanBeCanceled && enumeratorCancellation.CanBeCanceled && cancellationToken != enumeratorCancellation)
            {
                var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorCancellation);
                return new Enumerator(rows.GetAsyncEnumerator(linked.Token), bind, exists, notFound, linked, linked.Token);
            }

            return new Enumerator(rows.GetAsyncEnumerator(token), bind, exists, notFound, null, token);
        }

        private sealed class Enumerator(
            IAsyncEnumerator<TRecord> inner,
            Func<TRecord, T> bind,
            Func<CancellationToken, Task<bool>> exists,
            Func<RowNotFoundException> notFound,
            CancellationTokenSource? linked,
            CancellationToken cancellationToken) : IAsyncEnumerator<T>
        {
            private bool _any;
            private bool _innerDisposed;

            public T Current { get; private set; } = default!;

            public ValueTask<bool> MoveNextAsync()
            {
                var next = inner.MoveNextAsync();
                return next.IsCompletedSuccessfully ? Step(next.Result) : AwaitedAsync(next);
            }

            private async ValueTask<bool> AwaitedAsync(ValueTask<bool> next) => await Step(await next.ConfigureAwait(false)).ConfigureAwait(false);

            private ValueTask<bool> Step(bool more)
            {
                if (more)
                {
                    _any = true;
                    Current = bind(inner.Current);
                    return new ValueTask<bool>(true);
                }

                return _any ? new ValueTask<bool>(false) : AfterNoRowsAsync();
            }

            /// <summary>No row at all: the stream's connection goes back first, then the named row is looked for.</summary>
            private async ValueTask<bool> AfterNoRowsAsync()
            {
                await DisposeInnerAsync().ConfigureAwait(false);
                if (!await exists(cancellationToken).ConfigureAwait(false))
                {
                    throw notFound();
                }

                return false;
            }

            private ValueTask DisposeInnerAsync()
            {
                if (_innerDisposed)
                {
                    return ValueTask.CompletedTask;
                }

                _innerDisposed = true;
                return inner.DisposeAsync();
            }

            public async ValueTask DisposeAsync()
            {
                await DisposeInnerAsync().ConfigureAwait(false);
                linked?.Dispose();
            }
        }
    }

    /// <summary>
    /// Throws one <see cref="RowNotFoundException"/> for the references in <paramref name="keys"/>
    /// that no row in <paramref name="found"/> has: the key name of them all ("uid or
    /// unique_identifier" when they differ) and, as the value, the first few and their number.
    /// </summary>
    private static void ThrowIfUnknown(KeySet keys, IEnumerable<(Guid Uid, string UniqueIdentifier)> found, string table)
    {
        if (!keys.IsGiven)
        {
            return;
        }

        var rows = found.ToList();
        var uids = rows.Select(r => r.Uid).ToHashSet();
        var ids = rows.Select(r => r.UniqueIdentifier).ToHashSet(StringComparer.Ordinal);
        var missingUids = (keys.Uids ?? []).Where(u => !uids.Contains(u)).Select(u => u.ToString()).ToList();
        var missingIds = (keys.UniqueIdentifiers ?? []).Where(i => !ids.Contains(i)).ToList();
        var total = missingUids.Count + missingIds.Count;
        if (total == 0)
        {
            return;
        }

        var keyName = missingIds.Count == 0 ? "uid" : missingUids.Count == 0 ? "unique_identifier" : "uid or unique_identifier";
        var listed = string.Join(", ", missingUids.Concat(missingIds).Take(ListedMissing));
        var value = total == 1 ? listed
            : total > ListedMissing ? $"{listed} and {total - ListedMissing} more: {total} missing references"
            : $"{listed}: {total} missing references";
        var listedKeys = missingUids.Select(u => (table, "uid", u)).Concat(missingIds.Select(i => (table, "unique_identifier", i))).Take(ListedMissing).ToList();
        throw RowNotFoundException.Missing(listedKeys, total, table, keyName, value);
    }
}
