using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Indexes the membership history in the orders its paged reads walk, so a page reads its rows in
/// order and stops at the page's end instead of sorting the whole group or portfolio: a group's or
/// portfolio's change log in the order the intervals were opened (<c>history_id</c>), and a group's
/// portfolios as of an instant in portfolio uid order. The two indexes of 2026120102 on
/// (<c>portfolio_group_uid</c>, <c>valid_from</c>) and (<c>portfolio_uid</c>, <c>valid_from</c>) are
/// dropped: the new ones lead with the same columns, and, without statistics (SQLite's
/// <c>sqlite_stat1</c>, which the library never writes), SQLite's planner preferred the
/// <c>valid_from</c> range of the old ones and then sorted every row of the group for each page.
/// </summary>
/// <remarks>Shipped: never edit; change the schema in a new migration. <c>Down()</c> drops the three indexes and recreates the two.</remarks>
[Migration(Version, "Index the membership history in the order of its paged reads")]
internal sealed class M2026120204_HistoryOrderIndexes(MigrationTarget target) : Migration
{
    public const long Version = 2026120204;

    private const string History = "portfolio_group_membership_history";

    /// <summary>The indexes this version creates: name and columns.</summary>
    internal static IReadOnlyList<(string Name, string[] Columns)> Created { get; } =
    [
        ("ix_portfolio_group_membership_history_group_opened", ["portfolio_group_uid", "history_id"]),
        ("ix_portfolio_group_membership_history_portfolio_opened", ["portfolio_uid", "history_id"]),
        ("ix_portfolio_group_membership_history_group_portfolio", ["portfolio_group_uid", "portfolio_uid"]),
    ];

    /// <summary>The indexes of 2026120102 this version drops (and <c>Down()</c> recreates): name and columns.</summary>
    internal static IReadOnlyList<(string Name, string[] Columns)> Dropped { get; } =
    [
        ("ix_portfolio_group_membership_history_group", ["portfolio_group_uid", "valid_from"]),
        ("ix_portfolio_group_membership_history_portfolio", ["portfolio_uid", "valid_from"]),
    ];

    public override void Up()
    {
        CreateIndexes(Created);
        DropIndexes(Dropped);
    }

    public override void Down()
    {
        CreateIndexes(Dropped);
        DropIndexes(Created);
    }

    private void CreateIndexes(IReadOnlyList<(string Name, string[] Columns)> indexes)
    {
        foreach (var (name, columns) in indexes)
        {
            var index = Create.Index(name).OnTable(History).InSchema(target.Schema);
            foreach (var column in columns)
            {
                index.OnColumn(column).Ascending();
            }
        }
    }

    private void DropIndexes(IReadOnlyList<(string Name, string[] Columns)> indexes)
    {
        foreach (var (name, _) in indexes)
        {
            Delete.Index(name).OnTable(History).InSchema(target.Schema);
        }
    }
}
