using System.Globalization;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Tool;

/// <summary>The history verbs: <c>members list --as-of</c>, <c>members history</c> and <c>history prune</c>.</summary>
public sealed partial class ToolTests
{
    [Test]
    public async Task Members_list_as_of_history_and_prune_read_the_past_of_a_deleted_group()
    {
        // A database of its own: prune removes every interval that ended before the cutoff.
        var connection = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connection);
        var (group, p1, p2) = ("production", "fund-a", "fund-b");
        await Portfolio.UpsertManyAsync(store, [new PortfolioUpsert(p1), new PortfolioUpsert(p2)]);
        await PortfolioGroup.AddAsync(store, group);
        await PortfolioGroup.AddPortfoliosAsync(store, group, [p1, p2]);
        var then = (await PortfolioGroupMembership.GetHistoryAsync(store, new MembershipHistoryFilter { Group = group })).Max(i => i.ValidFrom);
        await Task.Delay(20); // the next change lands in a later millisecond, even on SQLite
        await PortfolioGroup.RemovePortfolioAsync(store, group, p1);
        await Portfolio.DeleteAsync(store, p2);
        await PortfolioGroup.DeleteAsync(store, group);
        var asOf = then.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

        ShouldFailWithOneLine(await RunAsync(connection, "members", "list", group), exitCode: 4, group);
        var members = Json(await RunOkAsync(connection, "members", "list", group, "--as-of", asOf, "--json")).EnumerateArray().ToList();
        members.Select(m => m.GetProperty("unique_identifier").GetString()).Should().BeEquivalentTo([p1, p2], "the group as it was, deleted portfolio included");
        members.Should().OnlyContain(m => m.GetProperty("valid_to").ValueKind == System.Text.Json.JsonValueKind.String, "both intervals have closed since");
        (await RunOkAsync(connection, "members", "list", group, "--as-of", "2000-01-01T00:00:00Z")).Should().Be("portfolio\tmember since\tmember until\n", "nothing was known then");
        // Text rows come in portfolio uid order, which is random here: the header, then one line each.
        var text = (await RunOkAsync(connection, "members", "list", group, "--as-of", asOf)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        text[0].Should().Be("portfolio\tmember since\tmember until");
        text.Skip(1).Select(line => line.Split('\t')[0]).Should().BeEquivalentTo([p1, p2]);

        var history = Json(await RunOkAsync(connection, "members", "history", group, "--json")).EnumerateArray().ToList();
        history.Select(h => h.GetProperty("portfolio_unique_identifier").GetString()).Should().BeEquivalentTo([p1, p2]);
        var ofFundA = Json(await RunOkAsync(connection, "members", "history", "--portfolio", p1, "--from", asOf, "--to", "2999-01-01T00:00:00Z", "--json")).EnumerateArray().ToList();
        ofFundA.Should().ContainSingle().Which.GetProperty("group_unique_identifier").GetString().Should().Be(group);
        (await RunOkAsync(connection, "members", "history", "--portfolio", p1, "--to", "2000-01-01T00:00:00Z")).Should().Be("group\tportfolio\tvalid from\tvalid to\n");

        (await RunOkAsync(connection, "history", "prune", "--before", "2000-01-01T00:00:00Z")).Should().Be("Pruned 0 interval(s) that ended before 2000-01-01T00:00:00Z.\n");
        Json(await RunOkAsync(connection, "history", "prune", "--before", "2999-01-01T00:00:00Z", "--json")).GetProperty("pruned").GetInt32().Should().Be(2);
        (await PortfolioGroupMembership.GetHistoryAsync(store, new MembershipHistoryFilter { Group = group })).Should().BeEmpty();
    }

    [Test]
    public async Task A_bad_instant_is_exit_2_naming_the_option_and_prunes_nothing()
    {
        var group = Unique("tool-hist");
        await PortfolioGroup.AddAsync(Store, group);
        var portfolio = (await Portfolio.UpsertAsync(Store, Unique("p"))).UniqueIdentifier;
        await PortfolioGroup.AddPortfolioAsync(Store, group, portfolio);
        await PortfolioGroup.RemovePortfolioAsync(Store, group, portfolio);
        var closed = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group });

        ShouldFailWithOneLine(await RunAsync(ConnectionString, "history", "prune", "--before", "2999-13-01T00:00:00Z"), exitCode: 2, "--before '2999-13-01T00:00:00Z' is not an instant");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "history", "prune", "--before", "2999-01-01T00:00:00"), exitCode: 2, "--before");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "members", "list", group, "--as-of", "yesterday"), exitCode: 2, "--as-of 'yesterday'");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "members", "history", group, "--from", "2026-06-30"), exitCode: 2, "--from");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "members", "history", group, "--from", "2026-07-01T00:00:00Z", "--to", "2026-06-30T00:00:00Z"), exitCode: 3, "--to");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "members", "history"), exitCode: 2, "GROUP");

        closed.Should().ContainSingle().Which.ValidTo.Should().NotBeNull();
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group })).Should().Equal(closed, "a refused prune removes nothing");
    }
}
