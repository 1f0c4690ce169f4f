using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A validated group of a bulk upsert: the identifier trimmed, the metadata as JSON object text.</summary>
internal readonly record struct PortfolioGroupUpsertRow(string UniqueIdentifier, string DisplayName, string? Description, string? MetadataJson);

/// <summary>The bulk upsert of a streamed input of groups.</summary>
internal sealed partial class PortfolioGroupRepository
{
    private static readonly TempTable UpsertInput = new(
        "portfoliogroups_bulk_groups",
        [
            new("pos", TempColumnKind.Integer),
            new("uid", TempColumnKind.Uuid),
            new("unique_identifier", TempColumnKind.Text),
            new("display_name", TempColumnKind.Text),
            new("description", TempColumnKind.Text),
            new("metadata_json", TempColumnKind.Text),
        ]);

    /// <summary>
    /// Inserts or updates (by unique identifier) every row, in one transaction; of rows with the
    /// same identifier the last one wins. An existing group keeps its uid and takes every other
    /// field from the row, as the single-row upsert does.
    /// </summary>
    public Task<UpsertManyRecord> UpsertManyAsync(IAsyncEnumerable<PortfolioGroupUpsertRow> rows, Action<long>? consumed, CancellationToken cancellationToken) =>
        BulkLoad.UpsertAsync(
            db,
            UpsertInput,
            db.Group,
            Table,
            "portfolio_group",
            ["display_name", "description", "metadata_json"],
            field => field == "metadata_json" ? db.JsonValue(field) : field,
            rows,
            (row, position) => [position, db.Uid(Guid.CreateVersion7()), row.UniqueIdentifier, row.DisplayName, row.Description, row.MetadataJson],
            consumed,
            cancellationToken);
}
