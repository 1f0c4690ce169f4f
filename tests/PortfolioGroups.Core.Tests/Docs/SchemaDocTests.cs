using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Docs;

/// <summary>docs/schema.md: its table of tables names every table the library creates, with each of its columns.</summary>
public sealed class SchemaDocTests
{
    [Test]
    public void The_tables_section_has_a_row_for_every_table_of_the_model_with_its_columns()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "schema.md"));
        var rows = RepositoryFiles.Between(doc, "## Tables", "\n\n- ").Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal)).ToList();

        foreach (var table in SchemaModel.AllTables)
        {
            var row = rows.Should().ContainSingle(r => r.StartsWith($"| `{table.Identifier}` | `{table.PhysicalName}` |", StringComparison.Ordinal), $"docs/schema.md lists {table.PhysicalName}").Subject;
            var columns = row.Split('|')[3];
            foreach (var column in table.Columns)
            {
                columns.Should().Contain($"`{column.Name}`", $"the row of {table.PhysicalName} names its column {column.Name}");
            }
        }

        rows.Should().HaveCount(SchemaModel.AllTables.Count, "every row is a table of the model");
    }
}
