using System.Diagnostics;
using System.Text.Json;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Every single-row helper issues at most two database commands, each traced as one Activity.</summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class RoundTripTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const int MaxCommands = 2;

    [Test]
    public async Task Every_single_row_helper_issues_at_most_two_commands()
    {
        var g = Unique("rt-g");
        var p = Unique("rt-p");
        var g2 = Unique("rt-g2");
        var metadata = JsonSerializer.SerializeToElement(new { a = 1 });
        PortfolioGroup group = null!;
        Portfolio portfolio = null!;
        PortfolioGroupMembership membership = null!;
        // In host mode the host adds the portfolio, and the library's portfolio writes (refused there) are left out.
        string[] portfolioWrites = ["Portfolio.CreateAsync", "Portfolio.AddAsync", "Portfolio.UpsertAsync", "Portfolio.UpdateAsync", "Portfolio.DeleteAsync"];
        if (IsHostMode)
        {
            portfolio = await AddPortfolioAsync(p, "P");
        }

        (string Name, Func<Task> Call)[] helpers =
        [
            ("PortfolioGroup.CreateAsync", async () => group = await PortfolioGroup.CreateAsync(Store, g, "G", "d", metadata)),
            ("PortfolioGroup.CreateAsync (second group)", () => PortfolioGroup.CreateAsync(Store, g2, "G2")),
            ("PortfolioGroup.AddAsync", () => PortfolioGroup.AddAsync(Store, g, "G")),
            ("PortfolioGroup.UpsertAsync", () => PortfolioGroup.UpsertAsync(Store, g, "G", "d", metadata)),
            ("PortfolioGroup.UpdateAsync", async () => group = await PortfolioGroup.UpdateAsync(Store, g, new PortfolioGroupChanges { DisplayName = "G!", Description = null })),
            ("PortfolioGroup.GetAsync by identifier", () => PortfolioGroup.GetAsync(Store, g)),
            ("PortfolioGroup.GetAsync by uid", () => PortfolioGroup.GetAsync(Store, group.Uid)),
            ("PortfolioGroup.FindAsync", () => PortfolioGroup.FindAsync(Store, Unique("none"))),
            ("Portfolio.CreateAsync", async () => portfolio = await Portfolio.CreateAsync(Store, p, "P")),
            ("Portfolio.AddAsync", () => Portfolio.AddAsync(Store, p, "P")),
            ("Portfolio.UpsertAsync", () => Portfolio.UpsertAsync(Store, p, "P")),
            ("Portfolio.UpdateAsync", () => Portfolio.UpdateAsync(Store, p, new PortfolioChanges { DisplayName = "P!" })),
            ("Portfolio.GetAsync", () => Portfolio.GetAsync(Store, p)),
            ("Portfolio.FindAsync", () => Portfolio.FindAsync(Store, p)),
            ("PortfolioGroup.GetGroupsForPortfolioAsync (no groups yet)", () => PortfolioGroup.GetGroupsForPortfolioAsync(Store, p)),
            ("PortfolioGroup.AddPortfolioAsync (new) by identifiers", async () => membership = await PortfolioGroup.AddPortfolioAsync(Store, g, p)),
            ("PortfolioGroup.AddPortfolioAsync (existing)", () => PortfolioGroup.AddPortfolioAsync(Store, g, p)),
            ("PortfolioGroupMembership.AddAsync (existing) by uids", () => PortfolioGroupMembership.AddAsync(Store, group.Uid, portfolio.Uid)),
            ("PortfolioGroupMembership.UpsertAsync", () => PortfolioGroupMembership.UpsertAsync(Store, group, portfolio)),
            ("PortfolioGroupMembership.GetAsync", () => PortfolioGroupMembership.GetAsync(Store, membership.Uid)),
            ("PortfolioGroupMembership.FindAsync", () => PortfolioGroupMembership.FindAsync(Store, membership.Uid)),
            ("instance Portfolio.GetGroupsAsync", () => portfolio.GetGroupsAsync()),
            ("instance PortfolioGroup.UpdateAsync", () => group.UpdateAsync(new PortfolioGroupChanges { Description = "again" })),
            ("PortfolioGroupMembership.UpdateAsync", () => PortfolioGroupMembership.UpdateAsync(Store, membership.Uid, new PortfolioGroupMembershipChanges { Group = g2 })),
            ("PortfolioGroupMembership.UpdateAsync (back)", () => PortfolioGroupMembership.UpdateAsync(Store, membership.Uid, new PortfolioGroupMembershipChanges { Group = g, Portfolio = p })),
            ("PortfolioGroup.GetPortfoliosAsync", () => PortfolioGroup.GetPortfoliosAsync(Store, g)),
            ("PortfolioGroup.GetGroupsForPortfolioAsync", () => PortfolioGroup.GetGroupsForPortfolioAsync(Store, p)),
            ("PortfolioGroup.GetPortfoliosAsync (empty group)", () => PortfolioGroup.GetPortfoliosAsync(Store, g2)),
            ("PortfolioGroup.RemovePortfolioAsync", () => PortfolioGroup.RemovePortfolioAsync(Store, g, p)),
            ("PortfolioGroupMembership.CreateAsync", async () => membership = await PortfolioGroupMembership.CreateAsync(Store, g, p)),
            ("PortfolioGroupMembership.DeleteAsync", () => PortfolioGroupMembership.DeleteAsync(Store, membership.Uid)),
            ("Portfolio.DeleteAsync", () => Portfolio.DeleteAsync(Store, p)),
            ("PortfolioGroup.DeleteAsync", () => PortfolioGroup.DeleteAsync(Store, g)),
        ];

        using var counter = new CommandCounter();
        var counts = new List<(string Name, int Commands)>();
        foreach (var (name, call) in helpers.Where(h => !IsHostMode || !portfolioWrites.Contains(h.Name)))
        {
            var commands = await counter.RecordAsync(call);
            counts.Add((name, commands.Count));
        }

        counts.Should().HaveCount(helpers.Length - (IsHostMode ? portfolioWrites.Length : 0));
        counts.Should().OnlyContain(c => c.Commands >= 1 && c.Commands <= MaxCommands, "each helper reaches the database, in at most two commands: {0}", string.Join("; ", counts));
    }

    [Test]
    public async Task Each_command_is_an_activity_tagged_with_the_operation_and_the_database_system()
    {
        using var counter = new CommandCounter();

        var commands = await counter.RecordAsync(() => PortfolioGroup.AddAsync(Store, Unique("tagged"), "Tagged"));

        var command = commands.Should().ContainSingle().Subject;
        command.Source.Name.Should().Be("PortfolioGroups");
        command.Kind.Should().Be(ActivityKind.Client);
        command.OperationName.Should().Be("portfolio_group.add");
        command.GetTagItem("db.operation.name").Should().Be("portfolio_group.add");
        command.GetTagItem("db.system").Should().Be(Db == Db.Postgres ? "postgresql" : "sqlite");
    }

    [Test]
    public async Task A_failed_command_is_marked_as_an_error()
    {
        IgnorePortfolioWritesInHostMode();
        var id = Unique("fails");
        await Portfolio.CreateAsync(Store, id);
        using var counter = new CommandCounter();

        var commands = await counter.RecordAsync(async () =>
        {
            try
            {
                await Portfolio.CreateAsync(Store, id);
            }
            catch (DuplicateKeyException)
            {
            }
        });

        commands.Should().ContainSingle().Which.Status.Should().Be(ActivityStatusCode.Error);
    }
}
