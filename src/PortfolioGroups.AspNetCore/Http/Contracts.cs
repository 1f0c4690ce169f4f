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
    [property: JsonPropertyName("metadata_json")] JsonElement? MetadataJson)
{
    public static PortfolioGroupResponse From(PortfolioGroup group) =>
        new(group.Uid, group.UniqueIdentifier, group.DisplayName, group.Description, group.Metadata);
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

/// <summary>A page of groups, in uid order.</summary>
internal sealed record PortfolioGroupPage(
    [property: JsonPropertyName("results")] IReadOnlyList<PortfolioGroupResponse> Results,
    [property: JsonPropertyName("next"), Description("The URL of the next page; null on the last page.")] string? Next);

/// <summary>A page of portfolios, in uid order.</summary>
internal sealed record PortfolioPage(
    [property: JsonPropertyName("results")] IReadOnlyList<PortfolioResponse> Results,
    [property: JsonPropertyName("next"), Description("The URL of the next page; null on the last page.")] string? Next);

/// <summary>What a delete removed.</summary>
internal sealed record DeleteResponse(
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("deleted_count")] long DeletedCount);

/// <summary>What a bulk delete of groups would remove.</summary>
internal sealed record PreflightResponse(
    [property: JsonPropertyName("group_count")] long GroupCount,
    [property: JsonPropertyName("membership_count")] long MembershipCount);

/// <summary>What a replace of a group's portfolios changed.</summary>
internal sealed record SetPortfoliosResponse(
    [property: JsonPropertyName("added")] long Added,
    [property: JsonPropertyName("removed")] long Removed,
    [property: JsonPropertyName("unchanged")] long Unchanged);

/// <summary>What a bulk add of portfolios to a group did.</summary>
internal sealed record BulkAddResponse(
    [property: JsonPropertyName("added")] long Added,
    [property: JsonPropertyName("already_present")] long AlreadyPresent);

/// <summary>Creates a group, or updates the group with this unique identifier.</summary>
internal sealed record PortfolioGroupCreateRequest(
    [property: JsonPropertyName("unique_identifier"), Required, MinLength(1), MaxLength(255)] string UniqueIdentifier,
    [property: JsonPropertyName("display_name"), Required, MinLength(1), MaxLength(255)] string DisplayName,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("metadata_json"), Description("A JSON object, or null.")] JsonElement? MetadataJson);

/// <summary>Changes a group: an absent field is unchanged; null clears description and metadata_json.</summary>
internal sealed record PortfolioGroupUpdateRequest(
    [property: JsonPropertyName("display_name"), MinLength(1), MaxLength(255), Description("Must not be null.")] string? DisplayName,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("metadata_json"), Description("A JSON object, or null to clear.")] JsonElement? MetadataJson);

/// <summary>Creates a portfolio, or updates the portfolio with this unique identifier.</summary>
internal sealed record PortfolioCreateRequest(
    [property: JsonPropertyName("unique_identifier"), Required, MinLength(1), MaxLength(255)] string UniqueIdentifier,
    [property: JsonPropertyName("display_name"), MaxLength(255)] string? DisplayName);

/// <summary>Changes a portfolio: an absent field is unchanged; null clears display_name.</summary>
internal sealed record PortfolioUpdateRequest(
    [property: JsonPropertyName("display_name"), MaxLength(255)] string? DisplayName);

/// <summary>Rows named by uid and/or unique identifier; at least one of the two must be given.</summary>
internal sealed record BulkDeleteRequest(
    [property: JsonPropertyName("uids")] IReadOnlyList<Guid>? Uids,
    [property: JsonPropertyName("unique_identifiers")] IReadOnlyList<string>? UniqueIdentifiers);

/// <summary>One portfolio, by exactly one of uid or unique identifier.</summary>
internal sealed record AddPortfolioRequest(
    [property: JsonPropertyName("portfolio_uid")] Guid? PortfolioUid,
    [property: JsonPropertyName("portfolio_unique_identifier"), MaxLength(255)] string? PortfolioUniqueIdentifier);

/// <summary>Portfolios, by exactly one of uids or unique identifiers.</summary>
internal sealed record PortfoliosRequest(
    [property: JsonPropertyName("portfolio_uids")] IReadOnlyList<Guid>? PortfolioUids,
    [property: JsonPropertyName("portfolio_unique_identifiers")] IReadOnlyList<string>? PortfolioUniqueIdentifiers);

/// <summary>Memberships by uid, or by group and/or portfolio; at least one list must be non-empty.</summary>
internal sealed record MembershipBulkDeleteRequest(
    [property: JsonPropertyName("uids")] IReadOnlyList<Guid>? Uids,
    [property: JsonPropertyName("portfolio_group_uids")] IReadOnlyList<Guid>? PortfolioGroupUids,
    [property: JsonPropertyName("portfolio_uids")] IReadOnlyList<Guid>? PortfolioUids);
