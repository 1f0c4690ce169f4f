namespace PortfolioGroups.Repositories;

/// <summary>
/// A validated set of rows named by uids and/or unique identifiers, for bulk calls and filters.
/// Made by the services' guard; each side is null when the caller gave none, and distinct.
/// </summary>
internal sealed record KeySet(IReadOnlyCollection<Guid>? Uids, IReadOnlyCollection<string>? UniqueIdentifiers)
{
    /// <summary>A set the caller did not give: selects without restriction where that is allowed.</summary>
    public static KeySet NotGiven { get; } = new(null, null);

    /// <summary>Whether the caller named a set at all (possibly an empty one).</summary>
    public bool IsGiven => Uids is not null || UniqueIdentifiers is not null;

    /// <summary>Whether the set names no row.</summary>
    public bool IsEmpty => (Uids?.Count ?? 0) == 0 && (UniqueIdentifiers?.Count ?? 0) == 0;
}
