using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A validated portfolio of a bulk upsert: the identifier trimmed.</summary>
internal readonly record struct PortfolioUpsertRow(string UniqueIdentifier, string? DisplayName);

/// <summary>Bulk portfolio writes: delete by named keys, and the upsert of a streamed input.</summary>
internal sealed partial class PortfolioRepository
{
    private static readonly TempTable UpsertInput = new(
        "portfoliogroups_bulk_portfolios",
        [
            new("pos", TempColumnKind.Integer),
            new("uid", TempColumnKind.Uuid),
            new("unique_identifier", TempColumnKind.Text),
            new("display_name", TempColumnKind.Text),
        ]);

    /// <summary>Deletes every portfolio the set names, in one statement (one transaction); each counts once. The database deletes their memberships.</summary>
    public Task<int> BulkDeleteAsync(KeySet keys, CancellationToken cancellationToken) =>
        BulkLoad.DeleteNamedAsync(db, db.Portfolio, Table, "portfolio.bulk_delete", keys, cancellationToken);

    /// <summary>
    /// Inserts or updates (by unique identifier) every row, in one transaction; of rows with the
    /// same identifier the last one wins. An existing portfolio keeps its uid.
    /// </summary>
    public Task<UpsertManyRecord> UpsertManyAsync(IAsyncEnumerable<PortfolioUpsertRow> rows, Action<long>? consumed, CancellationToken cancellationToken) =>
        BulkLoad.UpsertAsync(
            db,
            UpsertInput,
            db.Portfolio,
            Table,
            "portfolio",
            ["display_name"],
            field => field,
            rows,
            (row, position) => [position, db.Uid(Guid.CreateVersion7()), row.UniqueIdentifier, row.DisplayName],
            consumed,
            cancellationToken);
}
