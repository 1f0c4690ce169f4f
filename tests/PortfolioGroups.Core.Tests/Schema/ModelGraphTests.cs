using PortfolioGroups.Schema;

namespace PortfolioGroups.Tests.Schema;

public sealed class ModelGraphTests
{
    [Test]
    public void The_model_graph_has_the_three_MetaTables_with_their_physical_names()
    {
        SchemaModel.MetaTables.Select(t => (t.Identifier, t.PhysicalName)).Should().Equal(
            ("Portfolio", "portfolio"),
            ("PortfolioGroup", "portfolio_group"),
            ("PortfolioGroupMembership", "portfolio_group_membership"));
    }

    [Test]
    public void Every_table_and_every_column_has_a_description_and_every_column_a_label()
    {
        foreach (var table in SchemaModel.AllTables)
        {
            table.Description.Should().NotBeNullOrWhiteSpace($"table {table.PhysicalName} needs a description");
            foreach (var column in table.Columns)
            {
                column.Label.Should().NotBeNullOrWhiteSpace($"{table.PhysicalName}.{column.Name} needs a label");
                column.Description.Should().NotBeNullOrWhiteSpace($"{table.PhysicalName}.{column.Name} needs a description");
            }
        }
    }

    [Test]
    public void Membership_references_groups_and_portfolios_with_cascading_deletes()
    {
        SchemaModel.PortfolioGroupMembership.ForeignKeys.Select(f => (f.Column, f.PrincipalTable, f.PrincipalColumn, f.OnDelete)).Should().BeEquivalentTo(
        [
            ("portfolio_group_uid", "portfolio_group", "uid", DeleteRule.Cascade),
            ("portfolio_uid", "portfolio", "uid", DeleteRule.Cascade),
        ]);
    }

    [Test]
    public void The_portfolio_table_has_no_group_column()
    {
        SchemaModel.Portfolio.Columns.Select(c => c.Name).Should().NotContain(n => n.Contains("group", StringComparison.OrdinalIgnoreCase));
    }

    [Test]
    public void Tables_can_be_found_by_identifier_or_physical_name()
    {
        SchemaModel.FindTable("PortfolioGroup").Should().BeSameAs(SchemaModel.PortfolioGroup);
        SchemaModel.FindTable("portfolio_group_membership").Should().BeSameAs(SchemaModel.PortfolioGroupMembership);
        SchemaModel.FindTable("nothing").Should().BeNull();
        SchemaModel.PortfolioGroup.GetColumn("metadata_json").Kind.Should().Be(ColumnKind.Json);
        FluentActions.Invoking(() => SchemaModel.Portfolio.GetColumn("nope")).Should().Throw<KeyNotFoundException>();
    }
}
