package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode/utf8"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
)

// CustomerQuery is a page of customers as the caller asked for it. Sort and
// filter fields have been checked against whitelists by the service.
type CustomerQuery struct {
	Text string // q: matches TextColumns
	// TextColumns are the columns q searches, from TextSearchColumns: the
	// service leaves out those the caller may not read. Empty: all of them.
	TextColumns []string
	// TextOwnedOnly are columns of TextColumns that match owned customers
	// only: pool viewers see them masked, so a match must not reveal them.
	TextOwnedOnly []string
	// EqualsOwnedOnly are filter columns that match owned customers only,
	// for the same reason.
	EqualsOwnedOnly []string
	Equals          map[string]string // column = value, columns from FilterColumns
	OwnerID         int64             // owner_id = this, when non-zero
	Sort            string            // a column from SortColumns
	Desc            bool
	After           *Cursor // keyset: rows strictly after this one in sort order
	Limit           int

	// With sealed columns, Text finds phone and e-mail by their blind
	// indexes, exactly (withTextIndexes).
	sealed             bool
	phoneIdx, emailIdx string
	// nameIndex: on SQLite, names are matched through the trigram index
	// rather than by LIKE; nameHits, for a page, are the ids it gave
	// (nameSearch).
	nameIndex bool
	nameHits  []int64
}

// fewHits is how many names matching a text a page looks up one by one,
// through the trigram index; past it, walking the caller's customers in
// page order and testing each name finds the page sooner.
const fewHits = 2000

// nameSearch decides how q's text is matched against names on SQLite
// (migration 0026). A text of three or more characters can use the
// trigram index. A count always does: it reads every match anyway, and the
// index names them without reading the rest. A page does when the text is
// rare: the index's few matches are looked up and sorted, instead of
// walking everything the caller may see in page order until enough match
// (for a rare name, every one of them: all 1,000,000 for an
// administrator). A common text is left to the walk, which stops after a
// page of matches. The matches are read once, here, and given to the page
// query as a list of ids.
func (t *Tx) nameSearch(ctx context.Context, q CustomerQuery, page bool) (CustomerQuery, error) {
	if t.engine != SQLite || utf8.RuneCountInString(q.Text) < 3 {
		return q, nil
	}
	if !page {
		q.nameIndex = true
		return q, nil
	}
	rows, err := t.query(ctx, "store.nameSearch", `SELECT rowid FROM customers_name_fts WHERE customers_name_fts MATCH $1 LIMIT `+itoa(fewHits+1), ftsPhrase(q.Text))
	if err != nil {
		return q, err
	}
	hits, err := scanIDs(rows, "store.nameSearch")
	if err != nil || len(hits) > fewHits {
		return q, err
	}
	q.nameIndex, q.nameHits = true, hits
	if len(hits) == 0 {
		q.nameHits = []int64{0} // no customer has id 0: the list stays valid SQL
	}
	return q, nil
}

// withTextIndexes prepares q's text search of sealed columns: a phone
// number or an e-mail address is found by its blind index, only whole
// (docs/encryption.md, "Blind indexes"); name is still matched in part.
func (t *Tx) withTextIndexes(ctx context.Context, tenantID int64, q CustomerQuery) (CustomerQuery, error) {
	if q.Text == "" || !t.Sealing() {
		return q, nil
	}
	q.sealed = true
	email := ""
	if strings.Contains(q.Text, "@") {
		email = q.Text
	}
	var err error
	q.phoneIdx, q.emailIdx, err = t.blindIndexes(ctx, tenantID, q.Text, email, false)
	return q, err
}

// Cursor is the sort key and id of the last row of a page.
type Cursor struct {
	Int  int64  // for time columns
	Text string // for text columns
	ID   int64
}

// SortColumns are the columns a list may sort by, and whether each is text.
var SortColumns = map[string]bool{"last_activity_at": false, "created_at": false, "updated_at": false, "name": true}

// TextSearchColumns are the columns q may search.
var TextSearchColumns = []string{"name", "phone", "email"}

// FilterColumns are the columns a list may filter on by equality.
var FilterColumns = []string{"industry", "level", "region", "source"}

// Customers returns one page of the customers that pass the access filter.
//
// The filter becomes one branch per grant source (owners, departments,
// subtrees), each an index range already ordered by the sort key and limited
// to the page size; the branches are merged and the page taken from the
// merge. The cost then follows the page size, not how much the caller may
// see (docs/architecture.md).
func (t *Tx) Customers(ctx context.Context, tenantID int64, f access.Filter, q CustomerQuery) ([]crm.Customer, error) {
	if f.Empty() {
		return nil, nil
	}
	q, err := t.withTextIndexes(ctx, tenantID, q)
	if err == nil {
		q, err = t.nameSearch(ctx, q, true)
	}
	if err != nil {
		return nil, err
	}
	b := newQueryBuilder(tenantID)
	order := orderBy(q)
	limit := " LIMIT " + itoa(q.Limit)
	if q.nameIndex {
		// Few customers hold the text: look them up and sort them, in
		// one query whose condition is the filter's branches joined.
		// The ids are literals that change with the text: not a statement
		// to keep prepared.
		rows, err := t.query(ctx, "store.Customers", `SELECT `+customerCols+` FROM customers WHERE `+b.matching(t, f, q)+order+limit, b.args...)
		return t.scanCustomers(ctx, tenantID, rows, err)
	}
	common := b.common(t, q)
	// The branches are joined with UNION ALL: IN ignores duplicates anyway,
	// and UNION made SQLite sort every branch by id to merge them (a page
	// of the team manager's fourteen branches: 7.6 ms with UNION, 5.6 ms
	// without).
	//
	// Sorted by last activity, the team and shares walk their grants in
	// that order (orderedGrants); other sorts look the grants up and sort.
	ordered := q.Sort == "last_activity_at"
	preds, tail := b.splitBranches(t, f, ordered)
	var branches []string
	for _, pred := range preds {
		branches = append(branches, `SELECT id FROM (SELECT id FROM customers WHERE tenant_id = $1`+pred+common+order+limit+`) AS b`+itoa(len(branches)))
	}
	if ordered {
		for _, g := range b.orderedGrants(f, q, tail+common) {
			branches = append(branches, `SELECT id FROM (`+g+`) AS b`+itoa(len(branches)))
		}
	}
	sqlText := `SELECT ` + customerCols + ` FROM customers WHERE tenant_id = $1 AND id IN (` +
		strings.Join(branches, " UNION ALL ") + `)` + order + limit
	rows, err := t.queryList(ctx, "store.Customers", sqlText, b.args...)
	return t.scanCustomers(ctx, tenantID, rows, err)
}

// scanCustomers reads the customers of a list query.
func (t *Tx) scanCustomers(ctx context.Context, tenantID int64, rows *sql.Rows, err error) ([]crm.Customer, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Customer
	for rows.Next() {
		var c crm.Customer
		if err := t.scanCustomer(ctx, tenantID, rows, &c); err != nil {
			return nil, errs.Wrap(err, "store.Customers")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.Customers")
}

// CountCustomers counts the customers that pass the access filter and the
// query's conditions (its cursor and limit are ignored).
func (t *Tx) CountCustomers(ctx context.Context, tenantID int64, f access.Filter, q CustomerQuery) (int64, error) {
	if f.Empty() {
		return 0, nil
	}
	q, err := t.withTextIndexes(ctx, tenantID, q)
	if err == nil {
		q, err = t.nameSearch(ctx, q, false)
	}
	if err != nil {
		return 0, err
	}
	b := newQueryBuilder(tenantID)
	where := b.passing(t, f, q)
	var n int64
	err = t.one(ctx, "store.CountCustomers", "customers", `SELECT COUNT(*) FROM customers WHERE `+where, b.args, &n)
	return n, err
}

// passing renders the condition on customers that pass the filter and
// match q, as one OR of the filter's branches: what counts take (a count
// has no page to order, so the branches need not be separate queries).
func (b *queryBuilder) passing(t *Tx, f access.Filter, q CustomerQuery) string {
	q.After = nil
	return b.matching(t, f, q)
}

// matching is passing with q's cursor kept: the condition of a page taken
// in one query.
func (b *queryBuilder) matching(t *Tx, f access.Filter, q CustomerQuery) string {
	common := b.common(t, q)
	preds := b.branches(t, f)
	for i, p := range preds {
		preds[i] = "(1=1" + p + ")"
	}
	return `tenant_id = $1 AND (` + strings.Join(preds, " OR ") + `)` + common
}

// queryBuilder collects positional arguments; $1 is always the tenant.
type queryBuilder struct{ args []any }

func newQueryBuilder(tenantID int64) *queryBuilder { return &queryBuilder{args: []any{tenantID}} }

func (b *queryBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + itoa(len(b.args))
}

// common renders the caller's own conditions: text, equality filters, owner
// and the keyset cursor. Column names come from whitelists only.
func (b *queryBuilder) common(t *Tx, q CustomerQuery) string {
	var s strings.Builder
	if q.Text != "" {
		like := "" // the pattern's argument is added once a column matches by it
		cols := q.TextColumns
		if len(cols) == 0 {
			cols = TextSearchColumns
		}
		var ors []string
		for _, c := range TextSearchColumns {
			if !slices.Contains(cols, c) && !slices.Contains(q.TextOwnedOnly, c) {
				continue
			}
			var cond string
			if c == "name" && q.nameHits != nil {
				cond = "id IN (" + inList(q.nameHits) + ")"
			} else if c == "name" && q.nameIndex {
				// The trigram index names the customers whose name holds
				// the text (nameSearch); PostgreSQL's planner uses its own
				// index for the ILIKE below.
				cond = "id IN (SELECT rowid FROM customers_name_fts WHERE customers_name_fts MATCH " + b.arg(ftsPhrase(q.Text)) + ")"
			} else if q.sealed && c != "name" {
				idx := map[string]string{"phone": q.phoneIdx, "email": q.emailIdx}[c]
				if idx == "" {
					continue // q is no whole phone number or e-mail address
				}
				cond = c + "_bidx = " + b.arg(idx)
			} else {
				if like == "" {
					like = " " + t.like() + " " + b.arg(likePattern(q.Text)) + ` ESCAPE '\'`
				}
				cond = c + like
			}
			switch {
			case slices.Contains(q.TextOwnedOnly, c):
				ors = append(ors, "(owner_id IS NOT NULL AND "+cond+")")
			case slices.Contains(cols, c):
				ors = append(ors, cond)
			}
		}
		if len(ors) == 0 {
			ors = []string{"1 = 0"}
		}
		s.WriteString(" AND (" + strings.Join(ors, " OR ") + ")")
	}
	for _, col := range FilterColumns {
		if v, ok := q.Equals[col]; ok {
			if slices.Contains(q.EqualsOwnedOnly, col) {
				s.WriteString(" AND owner_id IS NOT NULL")
			}
			s.WriteString(" AND " + col + " = " + b.arg(v))
		}
	}
	if q.OwnerID != 0 {
		s.WriteString(" AND owner_id = " + b.arg(q.OwnerID))
	}
	if q.After != nil && q.Sort == "id" {
		op := ">"
		if q.Desc {
			op = "<"
		}
		s.WriteString(" AND id " + op + " " + b.arg(q.After.ID))
	} else if q.After != nil {
		var key any = q.After.Int
		if SortColumns[q.Sort] {
			key = q.After.Text
		}
		op := ">"
		if q.Desc {
			op = "<"
		}
		k, id := b.arg(key), b.arg(q.After.ID)
		s.WriteString(" AND (" + q.Sort + " " + op + " " + k + " OR (" + q.Sort + " = " + k + " AND id " + op + " " + id + "))")
	}
	return s.String()
}

func orderBy(q CustomerQuery) string {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	if q.Sort == "id" {
		return " ORDER BY id" + dir
	}
	return " ORDER BY " + q.Sort + dir + ", id" + dir
}

// CountContactsOf counts the contacts of the customers that pass the
// filter and match q: the rows of a contact export.
func (t *Tx) CountContactsOf(ctx context.Context, tenantID int64, f access.Filter, q CustomerQuery) (int64, error) {
	if f.Empty() {
		return 0, nil
	}
	q, err := t.withTextIndexes(ctx, tenantID, q)
	if err == nil {
		q, err = t.nameSearch(ctx, q, false)
	}
	if err != nil {
		return 0, err
	}
	b := newQueryBuilder(tenantID)
	where := b.passing(t, f, q)
	var n int64
	err = t.one(ctx, "store.CountContactsOf", "contacts", `SELECT COUNT(*) FROM contacts WHERE tenant_id = $1 AND customer_id IN
		(SELECT id FROM customers WHERE `+where+`)`, b.args, &n)
	return n, err
}

// ftsPhrase quotes text as one FTS5 phrase: with the trigram tokenizer it
// matches the names that hold the text anywhere, case folded, as LIKE
// '%text%' does.
func ftsPhrase(text string) string {
	return `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
}
