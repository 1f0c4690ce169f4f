using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>
/// Reads of the membership history as of an instant: the portfolios of a group, the groups of a
/// portfolio, member counts. A group or portfolio is named by uid, or by a unique identifier it had
/// when the interval opened, so one deleted or renamed since is still found.
/// </summary>
internal sealed partial class MembershipService
{
    /// <summary>The intervals of a group in force at <paramref name="asOf"/>, in portfolio uid order, streamed; nothing when it had no members then.</summary>
    public IAsyncEnumerable<MembershipInterval> StreamPortfoliosOfGroupAsOfAsync(PortfolioGroupRef group, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        return memberships.StreamInForceAsync(MembershipRepository.HistorySide.Group, key, memberships.InstantValue(asOf), after: null, limit: null, cancellationToken).Select(r => r.ToInterval());
    }

    /// <summary>The intervals of a portfolio in force at <paramref name="asOf"/>, in group uid order, streamed; nothing when it had no groups then.</summary>
    public IAsyncEnumerable<MembershipInterval> StreamGroupsOfPortfolioAsOfAsync(PortfolioRef portfolio, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        return memberships.StreamInForceAsync(MembershipRepository.HistorySide.Portfolio, key, memberships.InstantValue(asOf), after: null, limit: null, cancellationToken).Select(r => r.ToInterval());
    }

    /// <summary>One page of a group's intervals in force at <paramref name="asOf"/>, in portfolio uid order (see <see cref="InForcePageAsync"/>).</summary>
    public Task<Page<MembershipInterval>> PortfoliosOfGroupAsOfPageAsync(PortfolioGroupRef group, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken) =>
        InForcePageAsync(MembershipRepository.HistorySide.Group, Guard.Key(group, nameof(group)), ListingKind.PortfoliosOfGroupAsOf, asOf, page, cancellationToken);

    /// <summary>One page of a portfolio's intervals in force at <paramref name="asOf"/>, in group uid order (see <see cref="InForcePageAsync"/>).</summary>
    public Task<Page<MembershipInterval>> GroupsOfPortfolioAsOfPageAsync(PortfolioRef portfolio, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken) =>
        InForcePageAsync(MembershipRepository.HistorySide.Portfolio, Guard.Key(portfolio, nameof(portfolio)), ListingKind.GroupsOfPortfolioAsOf, asOf, page, cancellationToken);

    /// <summary>
    /// One keyset page of the intervals in force at <paramref name="asOf"/> of one group or
    /// portfolio, positioned on the other side's uid. Named by uid, each position is one interval.
    /// Named by a unique identifier, which may have been recorded for more than one group (or
    /// portfolio) in force then, a position can hold several intervals, and a page never splits
    /// them: it ends before a position its end would cut, or, when one position fills the whole
    /// page, holds every interval of that position.
    /// </summary>
    private async Task<Page<MembershipInterval>> InForcePageAsync(
        MembershipRepository.HistorySide side, RowKey key, ListingKind kind, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken)
    {
        var instant = memberships.InstantValue(asOf);
        var query = Guard.Page(page, Listing.Of(kind).Add(key).Add(instant).Build());
        Func<IntervalRecord, Guid> position = side == MembershipRepository.HistorySide.Group ? r => r.PortfolioUid : r => r.PortfolioGroupUid;
        var rows = await ReadAsync(query.Limit).ConfigureAwait(false);
        if (key.IsUid || rows.Count <= query.Size || position(rows[query.Size - 1]) != position(rows[query.Size]))
        {
            return query.ToPage(rows, position).Map(IntervalRecords.ToInterval);
        }

        // The page's end cuts a position: the page ends before it, or, when that position fills the
        // whole page, holds all of it, read again with twice the limit until a later position (or
        // the listing's end) shows where it ends; bounded reads, as a reader closed early still
        // receives the rest of its rows.
        var cut = position(rows[query.Size]);
        var end = rows.FindIndex(r => position(r) == cut);
        if (end == 0)
        {
            for (var limit = query.Limit * 2; ; limit *= 2)
            {
                rows = await ReadAsync(limit).ConfigureAwait(false);
                end = rows.FindIndex(r => position(r) != cut);
                if (end >= 0 || rows.Count < limit)
                {
                    break;
                }
            }
        }

        if (end >= 0)
        {
            rows.RemoveRange(end, rows.Count - end);
        }

        return query.PageOf(rows, end >= 0 ? position(rows[^1]) : null).Map(IntervalRecords.ToInterval);

        async Task<List<IntervalRecord>> ReadAsync(int limit)
        {
            var read = new List<IntervalRecord>();
            await foreach (var row in memberships.StreamInForceAsync(side, key, instant, query.After, limit, cancellationToken).ConfigureAwait(false))
            {
                read.Add(row);
            }

            return read;
        }
    }

    /// <summary>
    /// The member count at <paramref name="asOf"/> of each named group (every group that had members
    /// then when <paramref name="groups"/> is null), keyed by group uid: a group named by uid is a key,
    /// zero when it had no members; one named by an identifier is a key when a group had that
    /// identifier in an interval in force then.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, long>> CountPortfoliosAsOfAsync(IEnumerable<PortfolioGroupRef>? groups, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var keys = Guard.Keys(groups, g => Guard.Key(g, nameof(groups)));
        if (keys.IsGiven && keys.IsEmpty)
        {
            return new Dictionary<Guid, long>();
        }

        var rows = await memberships.CountInForceAsync(memberships.InstantValue(asOf), cancellationToken).ConfigureAwait(false);
        var uids = keys.Uids?.ToHashSet() ?? [];
        var identifiers = keys.UniqueIdentifiers?.ToHashSet(StringComparer.Ordinal) ?? [];

        // A group is named when its uid is, or any identifier it had in an interval in force then; it counts all of them.
        var named = rows.Where(r => !keys.IsGiven || uids.Contains(r.PortfolioGroupUid) || identifiers.Contains(r.GroupUniqueIdentifier))
            .Select(r => r.PortfolioGroupUid).ToHashSet();
        var counts = new Dictionary<Guid, long>();
        foreach (var row in rows.Where(r => named.Contains(r.PortfolioGroupUid)))
        {
            counts[row.PortfolioGroupUid] = counts.GetValueOrDefault(row.PortfolioGroupUid) + row.Members;
        }

        foreach (var uid in uids)
        {
            counts.TryAdd(uid, 0);
        }

        return counts;
    }

    /// <summary>The portfolios a filter's group conditions selected at <paramref name="asOf"/>, in uid order, streamed; the filter is checked before anything runs.</summary>
    public IAsyncEnumerable<PortfolioAsOf> StreamPortfoliosAsOfAsync(PortfolioFilter? filter, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var groups = AsOfConditions(filter);
        return memberships.StreamPortfoliosAsOfAsync(groups, memberships.InstantValue(asOf), page: null, cancellationToken).Select(r => r.ToPortfolioAsOf());
    }

    /// <summary>One page of the portfolios a filter's group conditions selected at <paramref name="asOf"/>, in uid order.</summary>
    public async Task<Page<PortfolioAsOf>> PortfoliosAsOfPageAsync(PortfolioFilter? filter, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken)
    {
        var groups = AsOfConditions(filter);
        var instant = memberships.InstantValue(asOf);
        var listing = Listing.Of(ListingKind.PortfoliosAsOf).Add(instant).Add(groups.All).Add(groups.Any).Add(groups.None).Build();
        var query = Guard.Page(page, listing);
        var rows = new List<PortfolioAsOfRecord>();
        await foreach (var row in memberships.StreamPortfoliosAsOfAsync(groups, instant, query, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return query.ToPage(rows, r => r.Uid).Map(r => r.ToPortfolioAsOf());
    }

    /// <summary>
    /// The group conditions of an as-of filter, checked, with the empty collections read by the same
    /// set logic as the current filter ("in all of none" and "in none of none" dropped, "in any of
    /// none" kept, empty). The fields that select by what a portfolio is now are refused.
    /// </summary>
    private static GroupConditions AsOfConditions(PortfolioFilter? filter)
    {
        filter ??= new PortfolioFilter();
        const string reason = "is not taken by an as-of read: the history keeps memberships, not what a portfolio is now; select by InAllGroups, InAnyGroup and NotInGroups.";
        if (filter.Uids is not null)
        {
            throw new InvalidValueException("filter.Uids", reason);
        }

        if (filter.UniqueIdentifiers is not null)
        {
            throw new InvalidValueException("filter.UniqueIdentifiers", reason);
        }

        if (filter.Search is not null)
        {
            throw new InvalidValueException("filter.Search", reason);
        }

        var all = Guard.Keys(filter.InAllGroups, g => Guard.Key(g, "filter.InAllGroups"));
        var any = Guard.Keys(filter.InAnyGroup, g => Guard.Key(g, "filter.InAnyGroup"));
        var none = Guard.Keys(filter.NotInGroups, g => Guard.Key(g, "filter.NotInGroups"));
        return new GroupConditions(all.IsEmpty ? KeySet.NotGiven : all, any, none.IsEmpty ? KeySet.NotGiven : none);
    }

    /// <summary>The intervals a history filter selects, in the order they were opened, streamed.</summary>
    public IAsyncEnumerable<MembershipInterval> StreamHistoryAsync(MembershipHistoryFilter? filter, CancellationToken cancellationToken)
    {
        var (group, portfolio, from, to) = CheckHistoryFilter(filter);
        return memberships.StreamHistoryAsync(group, portfolio, from, to, after: null, limit: null, cancellationToken).Select(r => r.ToInterval());
    }

    /// <summary>One page of the intervals a history filter selects; the cursor's position is the last interval's history id.</summary>
    public async Task<Page<MembershipInterval>> HistoryPageAsync(MembershipHistoryFilter? filter, PageRequest page, CancellationToken cancellationToken)
    {
        var (group, portfolio, from, to) = CheckHistoryFilter(filter);
        var listing = Listing.Of(ListingKind.MembershipHistory)
            .Add(group?.Column).Add(group?.ToString()).Add(portfolio?.Column).Add(portfolio?.ToString()).Add(from).Add(to).Build();
        var query = Guard.Page(page, listing);
        var rows = new List<IntervalRecord>();
        var after = query.After is { } position ? HistoryPosition.FromCursor(position) : (long?)null;
        await foreach (var row in memberships.StreamHistoryAsync(group, portfolio, from, to, after, query.Limit, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return query.ToPage(rows, r => HistoryPosition.ToCursor(r.HistoryId)).Map(IntervalRecords.ToInterval);
    }

    /// <summary>One offset page of the intervals a history filter selects, in the order they were opened, and their number.</summary>
    public async Task<OffsetPage<MembershipInterval>> HistoryOffsetPageAsync(MembershipHistoryFilter? filter, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        var (group, portfolio, from, to) = CheckHistoryFilter(filter);
        var found = await memberships.HistoryOffsetPageAsync(group, portfolio, from, to, Guard.OffsetPage(page), cancellationToken).ConfigureAwait(false);
        return found.Map(IntervalRecords.ToInterval);
    }

    /// <summary>One offset page of a group's intervals in force at <paramref name="asOf"/>, and their number; a group with no members then (or none at all) gives an empty page.</summary>
    public async Task<OffsetPage<MembershipInterval>> PortfoliosOfGroupAsOfPageAsync(PortfolioGroupRef group, DateTimeOffset asOf, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        var found = await memberships.InForceOffsetPageAsync(MembershipRepository.HistorySide.Group, key, memberships.InstantValue(asOf), Guard.OffsetPage(page), cancellationToken).ConfigureAwait(false);
        return found.Map(IntervalRecords.ToInterval);
    }

    /// <summary>One offset page of a portfolio's intervals in force at <paramref name="asOf"/>, and their number.</summary>
    public async Task<OffsetPage<MembershipInterval>> GroupsOfPortfolioAsOfPageAsync(PortfolioRef portfolio, DateTimeOffset asOf, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        var found = await memberships.InForceOffsetPageAsync(MembershipRepository.HistorySide.Portfolio, key, memberships.InstantValue(asOf), Guard.OffsetPage(page), cancellationToken).ConfigureAwait(false);
        return found.Map(IntervalRecords.ToInterval);
    }

    /// <summary>Removes the intervals that ended before <paramref name="before"/>.</summary>
    public Task<int> PruneHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        memberships.PruneHistoryAsync(memberships.InstantValue(before), cancellationToken);

    private (RowKey? Group, RowKey? Portfolio, string? From, string? To) CheckHistoryFilter(MembershipHistoryFilter? filter)
    {
        filter ??= new MembershipHistoryFilter();
        RowKey? group = filter.Group is { } g ? Guard.Key(g, "filter.Group") : null;
        RowKey? portfolio = filter.Portfolio is { } p ? Guard.Key(p, "filter.Portfolio") : null;
        if (filter.From is { } start && filter.To is { } end && end < start)
        {
            throw new InvalidValueException("filter.To", "must not be earlier than filter.From.");
        }

        return (group, portfolio, filter.From is { } f ? memberships.InstantValue(f) : null, filter.To is { } t ? memberships.InstantValue(t) : null);
    }
}

/// <summary>
/// A history page's position in the page cursor, whose position slot holds a uid: the interval's
/// history id, big-endian in the slot's last eight bytes.
/// </summary>
internal static class HistoryPosition
{
    public static Guid ToCursor(long historyId)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], historyId);
        return new Guid(bytes, bigEndian: true);
    }

    public static long FromCursor(Guid position)
    {
        Span<byte> bytes = stackalloc byte[16];
        position.TryWriteBytes(bytes, bigEndian: true, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
    }
}
