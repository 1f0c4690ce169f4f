namespace PortfolioGroups;

/// <summary>Selects portfolios. Every property left null selects everything; set properties narrow the selection together.</summary>
/// <remarks>
/// <para>
/// <see cref="Uids"/> and <see cref="UniqueIdentifiers"/> together name a set of portfolios
/// (a portfolio is selected when either names it); an empty collection names none.
/// <see cref="Search"/> then keeps those whose unique identifier or display name contains the
/// text, ignoring case; the text is matched literally (<c>%</c> and <c>_</c> are not wildcards).
/// </para>
/// <para>
/// <see cref="InAllGroups"/>, <see cref="InAnyGroup"/> and <see cref="NotInGroups"/> select by
/// membership; every condition given must hold, together with the ones above, in one statement.
/// An empty collection follows set logic: <see cref="InAllGroups"/> <c>[]</c> holds for every
/// portfolio, <see cref="InAnyGroup"/> <c>[]</c> for none, <see cref="NotInGroups"/> <c>[]</c>
/// excludes nothing. A reference that names no group is read as a group without members, never
/// as an error (like an unknown uid in <see cref="Uids"/>): in <see cref="InAllGroups"/> it selects
/// nothing; in <see cref="InAnyGroup"/> and <see cref="NotInGroups"/> it changes nothing.
/// </para>
/// </remarks>
public sealed record PortfolioFilter
{
    /// <summary>Text that the unique identifier or the display name must contain, ignoring case.</summary>
    public string? Search { get; init; }

    /// <summary>Portfolios to select by uid.</summary>
    public IReadOnlyCollection<Guid>? Uids { get; init; }

    /// <summary>Portfolios to select by unique identifier.</summary>
    public IReadOnlyCollection<string>? UniqueIdentifiers { get; init; }

    /// <summary>Groups (by row, uid or unique identifier) that a portfolio must all belong to; an empty collection holds for every portfolio.</summary>
    public IReadOnlyCollection<PortfolioGroupRef>? InAllGroups { get; init; }

    /// <summary>Groups (by row, uid or unique identifier) of which a portfolio must belong to at least one; an empty collection selects nothing.</summary>
    public IReadOnlyCollection<PortfolioGroupRef>? InAnyGroup { get; init; }

    /// <summary>Groups (by row, uid or unique identifier) that a portfolio must belong to none of; an empty collection excludes nothing.</summary>
    public IReadOnlyCollection<PortfolioGroupRef>? NotInGroups { get; init; }
}

/// <summary>Selects portfolio groups. Every property left null selects everything; set properties narrow the selection together.</summary>
/// <remarks>
/// <see cref="Uids"/> and <see cref="UniqueIdentifiers"/> together name a set of groups (a group
/// is selected when either names it); an empty collection names none. <see cref="Search"/> then
/// keeps those whose unique identifier or display name contains the text, ignoring case; the text
/// is matched literally (<c>%</c> and <c>_</c> are not wildcards).
/// </remarks>
public sealed record PortfolioGroupFilter
{
    /// <summary>Text that the unique identifier or the display name must contain, ignoring case.</summary>
    public string? Search { get; init; }

    /// <summary>Groups to select by uid.</summary>
    public IReadOnlyCollection<Guid>? Uids { get; init; }

    /// <summary>Groups to select by unique identifier.</summary>
    public IReadOnlyCollection<string>? UniqueIdentifiers { get; init; }

    /// <summary>The display name a group must have, exactly (case-sensitive, as stored).</summary>
    public string? DisplayName { get; init; }
}

/// <summary>Selects memberships by their group and their portfolio, each named by uids and/or unique identifiers.</summary>
/// <remarks>
/// On each side, the uids and the unique identifiers together name a set (a membership matches
/// when either names its group, or its portfolio); an empty collection names none. A side left
/// entirely null is not restricted. When both sides are set, a membership must match both.
/// </remarks>
public sealed record PortfolioGroupMembershipFilter
{
    /// <summary>Groups, by uid.</summary>
    public IReadOnlyCollection<Guid>? GroupUids { get; init; }

    /// <summary>Groups, by unique identifier.</summary>
    public IReadOnlyCollection<string>? GroupUniqueIdentifiers { get; init; }

    /// <summary>Portfolios, by uid.</summary>
    public IReadOnlyCollection<Guid>? PortfolioUids { get; init; }

    /// <summary>Portfolios, by unique identifier.</summary>
    public IReadOnlyCollection<string>? PortfolioUniqueIdentifiers { get; init; }
}

/// <summary>
/// The memberships a scoped bulk delete removes: those whose group is one of <see cref="Groups"/>
/// and whose portfolio is one of <see cref="Portfolios"/>. A side left null is not restricted.
/// </summary>
/// <remarks>
/// A scope that names nothing (both sides null) is refused, never read as "everything". A side
/// set to an empty collection names no row, so the call deletes nothing and returns 0.
/// </remarks>
public sealed record PortfolioGroupMembershipScope
{
    /// <summary>The groups whose memberships are removed (restricted by <see cref="Portfolios"/> when set).</summary>
    public IReadOnlyCollection<PortfolioGroupRef>? Groups { get; init; }

    /// <summary>The portfolios whose memberships are removed (restricted by <see cref="Groups"/> when set).</summary>
    public IReadOnlyCollection<PortfolioRef>? Portfolios { get; init; }
}
