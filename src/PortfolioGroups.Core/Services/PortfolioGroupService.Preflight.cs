using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The rules of the groups' bulk-delete preflight: the bulk delete's own argument rules.</summary>
internal sealed partial class PortfolioGroupService
{
    public async Task<BulkDeletePreview> PreviewBulkDeleteAsync(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, CancellationToken cancellationToken)
    {
        var keys = Guard.DeleteKeys(uids, uniqueIdentifiers, "group");
        if (keys.IsEmpty)
        {
            return new BulkDeletePreview(0, 0);
        }

        var counts = await groups.CountBulkDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
        return new BulkDeletePreview(counts.GroupCount, counts.MembershipCount);
    }
}
