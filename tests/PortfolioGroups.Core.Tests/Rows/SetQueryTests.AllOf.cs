using PortfolioGroups.Repositories;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// "In all of" on both of its forms: one EXISTS per reference up to
/// <see cref="Selection.MaxGroupsAsExists"/> references, a division above. Each case is checked
/// against the in-memory model, paged (so a later page meets the cursor) and streamed.
/// </summary>
public sealed partial class SetQueryTests
{
    private static readonly int[] AroundTheLimit = [1, Selection.MaxGroupsAsExists - 1, Selection.MaxGroupsAsExists, Selection.MaxGroupsAsExists + 1, 7];

    [TestCaseSource(nameof(AroundTheLimit))]
    public async Task In_all_of_a_number_of_groups_matches_an_in_memory_expectation(int count)
    {
        for (var round = 0; round < 6; round++)
        {
            var groups = Enumerable.Range(0, 7).OrderBy(_ => _random.Next()).Take(count).ToArray();
            var refs = round switch
            {
                0 => groups.Select(g => (PortfolioGroupRef)_groups[g]).ToList(),
                1 => groups.Select(g => (PortfolioGroupRef)_groupIds[g]).ToList(),
                _ => groups.Select(Ref).ToList(),
            };
            var any = round == 4 ? RandomGroups(1, 3) : null;
            var search = round == 5 ? "1" : null;

            AllOfCount(refs).Should().Be(count);
            await ShouldSelectAsync(refs, groups, $"round {round}: all [{Show(groups)}]", any, search);
        }
    }

    [Test]
    public async Task In_all_of_with_a_group_named_more_than_once_selects_as_if_named_once([Values(2, 6)] int distinct)
    {
        var groups = Enumerable.Range(0, distinct).ToArray();
        var refs = groups.Select(g => (PortfolioGroupRef)_groups[g])
            .Concat(groups.Select(g => (PortfolioGroupRef)_groupIds[g]))
            .Concat(groups.Select(g => PortfolioGroupRef.ByUid(_groups[g])))
            .Concat(groups.Select(g => PortfolioGroupRef.ByUniqueIdentifier(_groupIds[g])))
            .ToList();

        // Two distinct groups stay within the EXISTS form even named twice each (four references); six do not.
        (AllOfCount(refs) <= Selection.MaxGroupsAsExists).Should().Be(distinct == 2);
        await ShouldSelectAsync(refs, groups, $"{distinct} groups named four times each");
    }

    [TestCaseSource(nameof(AroundTheLimit))]
    public async Task In_all_of_with_a_group_that_does_not_exist_selects_nothing(int count)
    {
        var known = Enumerable.Range(0, count - 1).Select(g => (PortfolioGroupRef)(g % 2 == 0 ? _groups[g] : _groupIds[g])).ToList();
        PortfolioGroupRef[] missing = [PortfolioGroupRef.ByUniqueIdentifier(Unique("no-such-group")), PortfolioGroupRef.ByUid(Guid.NewGuid())];

        foreach (var unknown in missing)
        {
            List<PortfolioGroupRef> refs = [.. known, unknown];
            AllOfCount(refs).Should().Be(count);
            (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAllGroups = refs }, 5)).Should().BeEmpty();
            (await Portfolio.StreamAsync(Store, new PortfolioFilter { InAllGroups = refs }).ToListAsync()).Should().BeEmpty();
        }

        // The known groups alone do select someone, so the missing one is what empties the answer.
        if (known.Count > 0)
        {
            (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAllGroups = known }, 500)).Should().NotBeEmpty();
        }
    }

    private async Task ShouldSelectAsync(List<PortfolioGroupRef> refs, int[] groups, string because, int[]? any = null, string? search = null)
    {
        var filter = new PortfolioFilter
        {
            UniqueIdentifiers = _portfolioIds,
            Search = search,
            InAllGroups = refs,
            InAnyGroup = any is null ? null : [.. any.Select(Ref)],
        };
        var expected = Enumerable.Range(0, PortfolioCount)
            .Where(p => groups.All(g => _pairs.Contains((g, p))))
            .Where(p => any is null || any.Any(g => _pairs.Contains((g, p))))
            .Where(p => search is null || _portfolioIds[p].Contains(search, StringComparison.Ordinal))
            .Select(p => _portfolios[p])
            .Order()
            .ToList();
        because += $", any [{Show(any)}], search {search}";

        if (any is null && search is null)
        {
            expected.Should().NotBeEmpty(because);
        }

        (await AllPagesAsync(filter, pageSize: 3)).Should().Equal(expected, because);
        (await Portfolio.StreamAsync(Store, filter).Select(p => p.Uid).ToListAsync()).Should().Equal(expected, because);
    }

    // How many references the library sees: each side (uids, identifiers) without duplicates.
    private static int AllOfCount(List<PortfolioGroupRef> refs) =>
        refs.Where(r => r.Uid is not null).Select(r => r.Uid).Distinct().Count()
        + refs.Where(r => r.UniqueIdentifier is not null).Select(r => r.UniqueIdentifier).Distinct().Count();
}
