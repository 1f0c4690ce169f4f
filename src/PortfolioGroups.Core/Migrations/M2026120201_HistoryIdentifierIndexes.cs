using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Indexes the membership history by the unique identifiers it records, with the interval's start:
/// a read that names a group or portfolio by an identifier it had then (also one deleted or renamed
/// since), and the as-of set filters that name groups that way, look the intervals up in the index
/// instead of reading the whole history.
/// </summary>
/// <remarks>Shipped: never edit; change the schema in a new migration. <c>Down()</c> drops the two indexes.</remarks>
[Migration(Version, "Index the membership history by group and portfolio unique identifier")]
internal sealed class M2026120201_HistoryIdentifierIndexes(MigrationTarget target) : Migration
{
    public const long Version = 2026120201;

    private const string History = "portfolio_group_membership_history";

    /// <summary>The two indexes: name, and the identifier column that leads it (then <c>valid_from</c>).</summary>
    internal static IReadOnlyList<(string Name, string Column)> Indexes { get; } =
    [
        ("ix_portfolio_group_membership_history_group_identifier", "group_unique_identifier"),
        ("ix_portfolio_group_membership_history_portfolio_identifier", "portfolio_unique_identifier"),
    ];

    public override void Up()
    {
        foreach (var (name, column) in Indexes)
        {
            Create.Index(name).OnTable(History).InSchema(target.Schema)
                .OnColumn(column).Ascending()
                .OnColumn("valid_from").Ascending();
        }
    }

    public override void Down()
    {
        foreach (var (name, _) in Indexes)
        {
            Delete.Index(name).OnTable(History).InSchema(target.Schema);
        }
    }
}
