using System.Text.Json;

namespace PortfolioGroups;

/// <summary>What a bulk add of memberships did.</summary>
/// <param name="Added">The memberships the call created.</param>
/// <param name="AlreadyPresent">The distinct pairs of the input that were members already, and were left as they were.</param>
/// <remarks>A pair named several times in the input (by row, uid or unique identifier alike) counts once, so <c>Added + AlreadyPresent</c> is the number of distinct pairs.</remarks>
public sealed record BulkAddResult(long Added, long AlreadyPresent);

/// <summary>What replacing a group's portfolios did.</summary>
/// <param name="Added">The portfolios put in the group.</param>
/// <param name="Removed">The portfolios taken out of the group (they remain as portfolios).</param>
/// <param name="Unchanged">The portfolios of the input that were in the group already.</param>
/// <remarks>A portfolio named several times in the input counts once.</remarks>
public sealed record SetPortfoliosResult(long Added, long Removed, long Unchanged);

/// <summary>What a bulk upsert did.</summary>
/// <param name="Inserted">The rows created.</param>
/// <param name="Updated">The existing rows (matched by unique identifier) set to the input's values, changed or not.</param>
/// <remarks>An identifier given several times in the input counts once (the last row wins).</remarks>
public sealed record UpsertManyResult(long Inserted, long Updated);

/// <summary>One portfolio of <see cref="Portfolio.UpsertManyAsync"/>: the values the row ends with.</summary>
/// <param name="UniqueIdentifier">The natural key; trimmed.</param>
/// <param name="DisplayName">The display name the row ends with (null clears it on an existing row).</param>
public sealed record PortfolioUpsert(string UniqueIdentifier, string? DisplayName = null);

/// <summary>One group of <see cref="PortfolioGroup.UpsertManyAsync"/>: the values the row ends with.</summary>
/// <param name="UniqueIdentifier">The natural key; trimmed.</param>
/// <param name="DisplayName">The display name; required.</param>
/// <param name="Description">The description the row ends with (null clears it on an existing row).</param>
/// <param name="Metadata">The metadata the row ends with: a JSON object, or null.</param>
public sealed record PortfolioGroupUpsert(string UniqueIdentifier, string DisplayName, string? Description = null, JsonElement? Metadata = null);
