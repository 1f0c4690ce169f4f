using System.Globalization;
using System.Text;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Tests.Docs;

/// <summary>
/// Writes the model graph (<see cref="SchemaModel.MetaTables"/>) as a Mermaid ER diagram: each table
/// with its columns (logical type, key markers, label), and each foreign key as a relationship
/// labelled with its column and delete rule. docs/concepts.md shows this text; a test keeps them equal.
/// </summary>
internal static class ErDiagram
{
    public static string Generate()
    {
        var text = new StringBuilder();
        text.Append("erDiagram\n");
        foreach (var table in SchemaModel.MetaTables)
        {
            foreach (var foreignKey in table.ForeignKeys)
            {
                // Not-null referencing columns: each row references exactly one principal row.
                var rule = foreignKey.OnDelete == DeleteRule.Cascade ? "on delete cascade" : "on delete no action";
                text.Append(CultureInfo.InvariantCulture, $"    {foreignKey.PrincipalTable} ||--o{{ {table.PhysicalName} : \"{foreignKey.Column} ({rule})\"\n");
            }
        }

        foreach (var table in SchemaModel.MetaTables)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {table.PhysicalName} {{\n");
            foreach (var column in table.Columns)
            {
                var keys = Keys(table, column.Name);
                var comment = column.IsNullable ? $"{column.Label}, optional" : column.Label;
                text.Append(CultureInfo.InvariantCulture, $"        {TypeName(column)} {column.Name}{(keys.Length > 0 ? " " + keys : "")} \"{comment}\"\n");
            }

            text.Append("    }\n");
        }

        return text.ToString();
    }

    private static string TypeName(ColumnModel column) => column.Kind switch
    {
        ColumnKind.Uuid => "uuid",
        ColumnKind.BoundedText => $"varchar({column.MaxLength})",
        ColumnKind.Text => "text",
        ColumnKind.Json => "json",
        ColumnKind.WholeNumber => "bigint",
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Kind, "A column kind the diagram does not know."),
    };

    /// <summary>Mermaid's key markers: PK, FK, and UK for a column that alone carries a unique index.</summary>
    private static string Keys(TableModel table, string column)
    {
        var keys = new List<string>();
        if (table.PrimaryKeyColumn == column)
        {
            keys.Add("PK");
        }

        if (table.ForeignKeys.Any(fk => fk.Column == column))
        {
            keys.Add("FK");
        }

        if (table.Indexes.Any(ix => ix.IsUnique && ix.Columns.Count == 1 && ix.Columns[0] == column))
        {
            keys.Add("UK");
        }

        return string.Join(", ", keys);
    }
}
