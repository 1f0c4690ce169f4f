using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PortfolioGroups.AspNetCore.Http;

// The JSON shapes of the v1 API. Field names are the row columns' (snake_case), fixed by attributes
// so a host's own JSON naming policy never changes the wire format. Requests are read by
// RequestBody (which refuses unknown fields and names each bad one); these request types only
// describe the bodies in the OpenAPI document. Lengths and the rules behind them live in Core.

/// <summary>A portfolio group.</summary>
internal sealed record PortfolioGroupResponse(
    [property: JsonPropertyName("uid")] Guid Uid,
    [property: JsonPropertyName("unique_identifier"), MaxLength(255)] string UniqueIdentifier,
    [property: JsonPropertyName("display_name"), MaxLength(255)] string DisplayName,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("metadata_json"), Description("A JSON object, or null.")] IReadOnlyDictionary<string, JsonElement>? MetadataJson)
{
    public static PortfolioGroupResponse From(PortfolioGroup group) =>
        new(group.Uid, group.UniqueIdentifier, group.DisplayName, group.Description, group.Metadata is { } metadata ? metadata.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal) : null);
}

/// <summary>A portfolio.</summary>
internal sealed record PortfolioResponse(
    [property: JsonPropertyName("uid")] Guid Uid,
    [property: JsonPropertyName("unique_identifier"), MaxLength(255)] string UniqueIdentifier,
    [property: JsonPropertyName("display_name"), MaxLength(255)] string? DisplayName)
{
    public static PortfolioResponse From(Portfolio portfolio) => new(portfolio.Uid, portfolio.UniqueIdentifier, portfolio.DisplayName);
}

/// <summary>A membership: one portfolio in one group.</summary>
internal sealed record MembershipResponse(
    [property: JsonPropertyName("uid")] Guid Uid,
    [property: JsonPropertyName("portfolio_group_uid")] Guid PortfolioGroupUid,
    [property: JsonPropertyName("portfolio_uid")] Guid PortfolioUid)
{
    public static MembershipResponse From(PortfolioGroupMembership membership) =>
        new(membership.Uid, membership.PortfolioGroupUid, membership.PortfolioUid);
}

/// <summary>What a delete removed.</summary>
internal sealed record DeleteResponse(
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("deleted_count")] long DeletedCount);

/// <summary>What a replace of a group's portfolios changed.</summary>
internal sealed record SetPortfoliosResponse(
    [property: JsonPropertyName("added")] long Added,
    [property: JsonPropertyName("removed")] long Removed,
    [property: JsonPropertyName("unchanged")] long Unchanged);

/// <summary>What a bulk add of portfolios to a group did.</summary>
internal sealed record BulkAddResponse(
    [property: JsonPropertyName("added")] long Added,
    [property: JsonPropertyName("already_present")] long AlreadyPresent);

// The request types below are never instantiated: RequestBody reads the bodies. Only the fields
// marked [Required] are required; the others may be absent.

/// <summary>Creates a group, or updates the group with this unique identifier.</summary>
internal sealed class PortfolioGroupCreateRequest
{
    [JsonPropertyName("unique_identifier"), Required, MinLength(1), MaxLength(255)]
    public required string UniqueIdentifier { get; init; }

    [JsonPropertyName("display_name"), Required, MinLength(1), MaxLength(255)]
    public required string DisplayName { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("metadata_json"), Description("A JSON object, or null.")]
    public IReadOnlyDictionary<string, JsonElement>? MetadataJson { get; init; }
}

/// <summary>Changes a group: an absent field is unchanged; null clears description and metadata_json.</summary>
internal sealed class PortfolioGroupUpdateRequest
{
    [JsonPropertyName("display_name"), MinLength(1), MaxLength(255), Description("Must not be null.")]
    public string? DisplayName { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("metadata_json"), Description("A JSON object, or null to clear.")]
    public IReadOnlyDictionary<string, JsonElement>? MetadataJson { get; init; }
}

/// <summary>Creates a portfolio, or updates the portfolio with this unique identifier.</summary>
internal sealed class PortfolioCreateRequest
{
    [JsonPropertyName("unique_identifier"), Required, MinLength(1), MaxLength(255)]
    public required string UniqueIdentifier { get; init; }

    [JsonPropertyName("display_name"), MaxLength(255)]
    public string? DisplayName { get; init; }
}

/// <summary>Changes a portfolio: an absent field is unchanged; null clears display_name.</summary>
internal sealed class PortfolioUpdateRequest
{
    [JsonPropertyName("display_name"), MaxLength(255)]
    public string? DisplayName { get; init; }
}

/// <summary>Rows named by uid and/or unique identifier; at least one of the two must be given.</summary>
internal sealed class BulkDeleteRequest
{
    [JsonPropertyName("uids")]
    public IReadOnlyList<Guid>? Uids { get; init; }

    [JsonPropertyName("unique_identifiers")]
    public IReadOnlyList<string>? UniqueIdentifiers { get; init; }
}

/// <summary>One portfolio, by exactly one of uid or unique identifier.</summary>
internal sealed class AddPortfolioRequest
{
    [JsonPropertyName("portfolio_uid")]
    public Guid? PortfolioUid { get; init; }

    [JsonPropertyName("portfolio_unique_identifier"), MaxLength(255)]
    public string? PortfolioUniqueIdentifier { get; init; }
}

/// <summary>Portfolios, by exactly one of uids or unique identifiers.</summary>
internal sealed class PortfoliosRequest
{
    [JsonPropertyName("portfolio_uids")]
    public IReadOnlyList<Guid>? PortfolioUids { get; init; }

    [JsonPropertyName("portfolio_unique_identifiers")]
    public IReadOnlyList<string>? PortfolioUniqueIdentifiers { get; init; }
}

/// <summary>Memberships by uid, or by group and/or portfolio; at least one list must be non-empty.</summary>
internal sealed class MembershipBulkDeleteRequest
{
    [JsonPropertyName("uids")]
    public IReadOnlyList<Guid>? Uids { get; init; }

    [JsonPropertyName("portfolio_group_uids")]
    public IReadOnlyList<Guid>? PortfolioGroupUids { get; init; }

    [JsonPropertyName("portfolio_uids")]
    public IReadOnlyList<Guid>? PortfolioUids { get; init; }
}

/// <summary>
/// One interval of the membership history: the portfolio was in the group from valid_from
/// (inclusive) to valid_to (exclusive; null while it still is), with the identifiers both had when
/// the interval opened.
/// </summary>
internal sealed record MembershipIntervalResponse(
    [property: JsonPropertyName("membership_uid")] Guid MembershipUid,
    [property: JsonPropertyName("portfolio_group_uid")] Guid PortfolioGroupUid,
    [property: JsonPropertyName("group_unique_identifier"), MaxLength(255)] string GroupUniqueIdentifier,
    [property: JsonPropertyName("portfolio_uid")] Guid PortfolioUid,
    [property: JsonPropertyName("portfolio_unique_identifier"), MaxLength(255)] string PortfolioUniqueIdentifier,
    [property: JsonPropertyName("valid_from"), Description("When the membership appeared, by the database's clock, in UTC (RFC 3339).")] DateTimeOffset ValidFrom,
    [property: JsonPropertyName("valid_to"), Description("When it disappeared, by the same clock; null while it exists.")] DateTimeOffset? ValidTo)
{
    public static MembershipIntervalResponse From(MembershipInterval interval) =>
        new(interval.MembershipUid, interval.GroupUid, interval.GroupUniqueIdentifier, interval.PortfolioUid, interval.PortfolioUniqueIdentifier, interval.ValidFrom, interval.ValidTo);
}
