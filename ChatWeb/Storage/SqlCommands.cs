using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;

namespace ChatWeb.Storage;

/// <summary>
/// Short forms for running one statement with named parameters written <c>$name</c>, on either database:
/// for PostgreSQL (whose driver names parameters <c>@name</c>) the text and the names are rewritten here, once.
/// </summary>
internal static partial class SqlCommands
{
    private static readonly ConcurrentDictionary<string, string> PostgresText = new();

    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var postgres = connection is NpgsqlConnection;
        var command = connection.CreateCommand();
        command.CommandText = postgres ? PostgresText.GetOrAdd(sql, text => DollarParameter().Replace(text, "@$1")) : sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = postgres && name.StartsWith('$') ? "@" + name[1..] : name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex DollarParameter();

    public static int Execute(this DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        connection.Execute(sql, null, parameters);

    public static int Execute(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Command(sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(this DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        connection.Scalar(sql, null, parameters);

    public static object? Scalar(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Command(sql, transaction, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public static List<T> Query<T>(this DbConnection connection, string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters) =>
        connection.Query(sql, null, read, parameters);

    public static List<T> Query<T>(this DbConnection connection, string sql, DbTransaction? transaction, Func<DbDataReader, T> read,
        params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Command(sql, transaction, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
            rows.Add(read(reader));
        return rows;
    }

    public static string? NullableString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset Time(this DbDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static long Ms(this DateTimeOffset time) => time.ToUnixTimeMilliseconds();
}
