using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>Bulk portfolio writes: delete by named keys, upsert of a streamed input.</summary>
internal sealed partial class PortfolioService
{
    /// <summary>Deletes the portfolios named by uids and/or unique identifiers, in one statement; the same rule as the groups' bulk delete.</summary>
    public async Task<int> BulkDeleteAsync(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, CancellationToken cancellationToken)
    {
        ThrowIfHostOwned("delete");
        var keys = Guard.DeleteKeys(uids, uniqueIdentifiers, "portfolio");
        return keys.IsEmpty ? 0 : await portfolios.BulkDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts or updates every row, each checked as the single-row upsert checks it, in one transaction.</summary>
    public async Task<UpsertManyResult> UpsertManyAsync(IEnumerable<PortfolioUpsert> rows, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ThrowIfHostOwned("upsert");
        Guard.NotNull(rows);
        var checkedRows = Guard.EachItem(
            rows.ToAsyncEnumerable(),
            nameof(rows),
            r => new PortfolioUpsertRow(
                Guard.UniqueIdentifier(r.UniqueIdentifier, nameof(PortfolioUpsert.UniqueIdentifier)),
                Guard.OptionalDisplayName(r.DisplayName, nameof(PortfolioUpsert.DisplayName))),
            cancellationToken);
        var result = await portfolios.UpsertManyAsync(checkedRows, progress is null ? null : progress.Report, cancellationToken).ConfigureAwait(false);
        return new UpsertManyResult(result.Inserted, result.Updated);
    }
}
