namespace PortfolioGroups;

/// <summary>
/// One interval of the membership history: a portfolio was in a group from <see cref="ValidFrom"/>
/// (inclusive) to <see cref="ValidTo"/> (exclusive; null while it still is). The uids and unique
/// identifiers are the ones the group and portfolio had when the interval opened, so an interval
/// outlives a deleted group or portfolio. Not bound to a store: it describes the past.
/// </summary>
/// <param name="MembershipUid">The uid the membership row had.</param>
/// <param name="GroupUid">The group's uid.</param>
/// <param name="GroupUniqueIdentifier">The group's unique identifier when the interval opened.</param>
/// <param name="PortfolioUid">The portfolio's uid.</param>
/// <param name="PortfolioUniqueIdentifier">The portfolio's unique identifier when the interval opened.</param>
/// <param name="ValidFrom">When the membership appeared, by the database's clock, in UTC.</param>
/// <param name="ValidTo">When it disappeared, by the database's clock, in UTC; null while it exists.</param>
public sealed record MembershipInterval(
    Guid MembershipUid,
    Guid GroupUid,
    string GroupUniqueIdentifier,
    Guid PortfolioUid,
    string PortfolioUniqueIdentifier,
    DateTimeOffset ValidFrom,
    DateTimeOffset? ValidTo);
