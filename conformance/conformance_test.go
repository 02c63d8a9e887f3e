package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// suiteDir is the W3C suite, or the test is skipped naming how to get it.
func suiteDir(t *testing.T) string {
	t.Helper()
	return testenv.W3C(t)
}

func TestJudgements(t *testing.T) {
	tests, err := ReadManifest(suiteDir(t))
	require.NoError(t, err)
	require.Len(t, tests, 200)
	byJudgement := make(map[Judgement][]string)
	mandatory := make(map[Judgement]int)
	for _, tt := range tests {
		j := tt.Judgement()
		byJudgement[j] = append(byJudgement[j], tt.ID)
		if tt.Mandatory {
			mandatory[j]++
		}
	}
	assert.Len(t, byJudgement[Automatic], 179, "automatic tests without HTTP, 436 included")
	assert.Equal(t, 158, mandatory[Automatic])
	assert.Equal(t, []string{"178", "230", "250", "307", "415"}, byJudgement[ManualCheck])
	assert.Equal(t, []string{"301"}, byJudgement[LoadRejection])
	assert.Equal(t, []string{"313", "314"}, byJudgement[RejectOrPass])
	assert.Equal(t, []string{"201", "509", "510", "513", "518", "519", "520", "522", "531", "532", "534", "567", "577"},
		byJudgement[HTTP])
	assert.Zero(t, mandatory[HTTP])
	for _, tt := range tests {
		if tt.ID == "403" {
			assert.Equal(t, []string{"test403a.scxml", "test403b.scxml", "test403c.scxml"}, tt.Files)
			assert.Equal(t, "https://www.w3.org/TR/scxml/#SelectingTransitions", tt.SpecLink())
		}
	}
}

func TestParseManifest(t *testing.T) {
	cases := []struct {
		name, in, err string
		want          []Test
	}{
		{
			name: "columns by name",
			in: "files\tid\tconformance\tmanual\tspec_section\tneeds\n" +
				"test1a.scxml test1b.scxml\t1\tmandatory\tfalse\t3.2\tdelayed-send,script\n",
			want: []Test{{ID: "1", Mandatory: true, Section: "3.2",
				Needs: []string{"delayed-send", "script"}, Files: []string{"test1a.scxml", "test1b.scxml"}}},
		},
		{name: "missing column", in: "id\tconformance\n", err: `line 1: no "manual" column`},
		{
			name: "bad conformance",
			in:   "id\tconformance\tmanual\tspec_section\tneeds\tfiles\n7\tsometimes\tfalse\t1\t\tx\n",
			err:  `line 2: test 7: conformance "sometimes" is neither mandatory nor optional`,
		},
		{name: "empty", in: "", err: "empty manifest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseManifest(strings.NewReader(tc.in))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestW3C runs all 200 tests and fails listing every test that did not
// pass.
func TestW3C(t *testing.T) {
	dir := suiteDir(t)
	rep, err := Run(Options{Dir: dir})
	require.NoError(t, err)
	require.Len(t, rep.Results, 200)
	var b strings.Builder
	require.NoError(t, WriteTable(&b, rep, true))
	failures := rep.Failures()
	if len(failures) > 0 {
		t.Errorf("%d of %d W3C tests did not pass:\n%s", len(failures), len(rep.Results), b.String())
		for _, res := range failures {
			t.Logf("test %s log:\n%s", res.ID, strings.Join(res.Log, "\n"))
		}
		return
	}
	t.Logf("%s in %v", rep.Totals(), rep.Elapsed)
}

func TestWriteMarkdown(t *testing.T) {
	rep := Report{
		Elapsed: 1234 * time.Millisecond,
		Results: []Result{
			{ID: "144", Section: "4.2", Anchor: "#raise", Mandatory: true, Judgement: Automatic, Status: Pass,
				Duration: 3 * time.Millisecond},
			{ID: "175", Section: "6.2", Anchor: "#send", Mandatory: true, Judgement: Automatic, Status: Pass,
				Duration: 14 * time.Millisecond, Virtual: 1500 * time.Millisecond},
			{ID: "250", Section: "6.4", Anchor: "#invoke", Mandatory: true, Judgement: ManualCheck, Status: Fail,
				Reason: "a | b\nc", Duration: time.Millisecond},
			{ID: "513", Section: "C.2", Anchor: "#BasicHTTPEventProcessor", Judgement: HTTP, Status: Pass},
		},
	}
	var a, b strings.Builder
	require.NoError(t, WriteMarkdown(&a, rep))
	rep.Elapsed += 10 * time.Millisecond
	rep.Results[0].Duration = 7 * time.Millisecond
	require.NoError(t, WriteMarkdown(&b, rep))
	assert.Equal(t, a.String(), b.String(), "small changes of wall time do not change the report")
	md := a.String()
	for _, want := range []string{
		"| **all** | 3 | 1 | 4 |",
		"| mandatory | 2 | 1 | 3 |",
		"| optional | 1 | 0 | 1 |",
		"| automatic | 2 | 0 | 2 |",
		"| manual, checked by the runner | 0 | 1 | 1 |",
		"| HTTP (Basic HTTP Event I/O Processor) | 1 | 0 | 1 |",
		"Wall time of the run: 1.2 s",
		"| 144 | [4.2](https://www.w3.org/TR/scxml/#raise) | mandatory | automatic | pass | 0s | < 10 ms |  |",
		"| 175 | [6.2](https://www.w3.org/TR/scxml/#send) | mandatory | automatic | pass | 1.5s | 10 ms |  |",
		`| 250 | [6.4](https://www.w3.org/TR/scxml/#invoke) | mandatory | manual check | fail | 0s | < 10 ms | a \| b c |`,
		"| 513 | [C.2](https://www.w3.org/TR/scxml/#BasicHTTPEventProcessor) | optional | HTTP | pass |",
	} {
		assert.Contains(t, md, want)
	}
}
