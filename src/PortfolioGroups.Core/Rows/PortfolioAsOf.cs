namespace PortfolioGroups;

/// <summary>
/// A portfolio as an as-of set filter (<see cref="Portfolio.FilterAsync(PortfolioStore, PortfolioFilter?, DateTimeOffset, CancellationToken)"/>)
/// returns it: its uid and the unique identifier it had then, also when it has been deleted or
/// renamed since. Not bound to a store: it describes the past.
/// </summary>
/// <param name="Uid">The portfolio's uid.</param>
/// <param name="UniqueIdentifier">
/// The portfolio's unique identifier then: the one recorded when the latest of its memberships in
/// force at the instant opened.
/// </param>
public sealed record PortfolioAsOf(Guid Uid, string UniqueIdentifier);
