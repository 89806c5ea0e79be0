using System.Text;
using System.Text.Json;
using ChatWeb.Engine.Constraints;

namespace ChatWeb.Tests.Engine.Constraints;

/// <summary>The JSON-schema grammar and the constraint that masks a vocabulary with it.</summary>
public sealed class JsonGrammarTests
{
    private static readonly JsonElement Person = JsonDocument.Parse("""
        {"type":"object","properties":{"name":{"type":"string","maxLength":5},"age":{"type":"integer"},"pet":{"enum":["cat","dog"]}},
         "required":["name","age"],"additionalProperties":false}
        """).RootElement;

    private static GrammarConstraint Constraint(JsonGrammar grammar) => new(TokenVocabulary.Of([]), [], grammar.Start());

    [Theory]
    [InlineData("{\"name\":\"Ann\",\"age\":30}")]
    [InlineData("{ \"age\" : -4 , \"name\" : \"\", \"pet\": \"dog\" }")]
    [InlineData("{\"name\":\"a\\\"b\",\"age\":0}")]
    public void Reads_ValuesTheSchemaAllows_ToTheEnd(string json)
    {
        var constraint = Constraint(JsonGrammar.FromSchema(Person));

        Assert.True(constraint.TryRead(Encoding.UTF8.GetBytes(json)));
        Assert.True(constraint.IsComplete);
    }

    [Theory]
    [InlineData("{\"name\":\"Ann\"}")]               // age is required: the brace cannot close
    [InlineData("{\"name\":\"Annabel\"")]            // longer than maxLength
    [InlineData("{\"age\":1.5")]                     // not an integer
    [InlineData("{\"pet\":\"cow\"")]                 // not in the enum
    [InlineData("{\"colour\":")]                     // undeclared property
    [InlineData("{\"age\":1,\"age\":")]              // twice
    [InlineData("[1]")]                              // not an object
    public void Refuses_WhatTheSchemaDoesNot(string json)
    {
        var constraint = Constraint(JsonGrammar.FromSchema(Person));

        var read = constraint.TryRead(Encoding.UTF8.GetBytes(json));

        Assert.False(read && constraint.IsComplete, $"{json} was accepted");
    }

    [Fact]
    public void Mask_KeepsOnlyTokensThatContinue_AndStopTokensOnlyAtTheEnd()
    {
        string[] texts = ["{", "}", "\"", "name", "\":\"", "x", "\",\"age\":", "7", "7}", "[", "<eos>"];
        var vocabulary = TokenVocabulary.Of(texts.Select((t, i) => i == 10 ? [] : Encoding.UTF8.GetBytes(t)));
        var constraint = new GrammarConstraint(vocabulary, [10], JsonGrammar.FromSchema(Person).Start());
        string[] Allowed()
        {
            var logits = new float[texts.Length];
            constraint.Mask(logits);
            return texts.Where((_, i) => !float.IsNegativeInfinity(logits[i])).ToArray();
        }

        Assert.Equal(["{"], Allowed());
        foreach (var token in new[] { 0, 2, 3, 4, 5, 6, 7 })
            constraint.Accept(token);
        Assert.Equal(["}", "7", "7}"], Allowed());
        constraint.Accept(1);
        Assert.Equal(["<eos>"], Allowed());
    }

    [Theory]
    [InlineData("""{"type":"sound"}""", "Unknown type 'sound'")]
    [InlineData("""{"type":"string","pattern":"a+"}""", "'pattern'")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}""", "'b'")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "points to nothing")]
    [InlineData("""{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"}""", "recursive")]
    public void BadOrUnsupportedSchemas_AreRefused_SayingWhy(string schema, string expected)
    {
        var error = Assert.Throws<JsonSchemaException>(() => JsonGrammar.FromSchema(JsonDocument.Parse(schema).RootElement));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AnyObject_ReadsNestedJson()
    {
        var constraint = Constraint(JsonGrammar.AnyObject);

        Assert.True(constraint.TryRead("{\"a\": [1, 2.5e3, true, null, {\"b\": \"c\"}], \"d\": {}}"u8));
        Assert.True(constraint.IsComplete);
    }
}
