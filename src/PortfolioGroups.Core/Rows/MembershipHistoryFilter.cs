namespace PortfolioGroups;

/// <summary>
/// What <see cref="PortfolioGroupMembership.GetHistoryAsync"/> lists: the intervals of a group
/// and/or a portfolio, overlapping a time range. Every property left null does not restrict.
/// </summary>
/// <remarks>
/// A group or portfolio is named by uid, or by a unique identifier it had when an interval opened,
/// so one deleted or renamed since is still found. The range is half-open: an interval is listed
/// when it was in force at some instant at or after <see cref="From"/> and before <see cref="To"/>.
/// </remarks>
public sealed record MembershipHistoryFilter
{
    /// <summary>The group whose intervals are listed; null for every group.</summary>
    public PortfolioGroupRef? Group { get; init; }

    /// <summary>The portfolio whose intervals are listed; null for every portfolio.</summary>
    public PortfolioRef? Portfolio { get; init; }

    /// <summary>The start of the range (inclusive); null for no start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>The end of the range (exclusive); null for no end.</summary>
    public DateTimeOffset? To { get; init; }
}
