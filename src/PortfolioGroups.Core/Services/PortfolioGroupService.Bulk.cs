using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The bulk upsert of groups.</summary>
internal sealed partial class PortfolioGroupService
{
    /// <summary>Inserts or updates every row, each checked as the single-row upsert checks it, in one transaction.</summary>
    public async Task<UpsertManyResult> UpsertManyAsync(IEnumerable<PortfolioGroupUpsert> rows, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Guard.NotNull(rows);
        var checkedRows = Guard.EachItem(
            rows.ToAsyncEnumerable(),
            nameof(rows),
            r => new PortfolioGroupUpsertRow(
                Guard.UniqueIdentifier(r.UniqueIdentifier, nameof(PortfolioGroupUpsert.UniqueIdentifier)),
                Guard.DisplayName(r.DisplayName, nameof(PortfolioGroupUpsert.DisplayName)),
                Guard.OptionalText(r.Description, nameof(PortfolioGroupUpsert.Description)),
                Guard.Metadata(r.Metadata, nameof(PortfolioGroupUpsert.Metadata))),
            cancellationToken);
        var result = await groups.UpsertManyAsync(checkedRows, progress is null ? null : progress.Report, cancellationToken).ConfigureAwait(false);
        return new UpsertManyResult(result.Inserted, result.Updated);
    }
}
