package sim

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The cost report: what the organisation's payer account would receive
// for the simulated period, made from the same resource lifetimes that the
// CloudTrail records describe, so that cost and CloudTrail agree.
//
//	cost/cur/<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-1.csv.gz
//	cost/cur/<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-Manifest.json
//	cost/cur/<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json   (latest copy)
//	cost/focus/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.csv.gz
//
// The legacy CUR is hourly with resource IDs ("Include resource IDs"); its
// manifest lists the columns. Compute, NAT gateways, load balancers and
// DB instances have hourly line items; storage, functions and tables daily
// ones. Resource IDs take the forms AWS uses per service (i-…, vol-…, bucket
// names, ARNs for snapshots, NAT gateways, load balancers, RDS, Lambda and
// DynamoDB). resourceTags/aws:createdBy carries the creator where AWS would
// set it; shared costs (support, tax, CloudTrail, GuardDuty) have no
// resource ID.

const (
	curReport   = "cairn-sim-cur"
	focusExport = "cairn-sim-focus"
)

var curColumns = []string{
	"identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/BillingEntity", "bill/BillType", "bill/PayerAccountId",
	"bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType",
	"lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation",
	"lineItem/AvailabilityZone", "lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/NormalizationFactor",
	"lineItem/CurrencyCode", "lineItem/UnblendedRate", "lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost",
	"lineItem/LineItemDescription", "product/ProductName", "product/servicecode", "product/region", "product/location",
	"product/instanceType", "product/productFamily", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "pricing/term",
	"pricing/unit", "resourceTags/aws:autoscaling:groupName", "resourceTags/aws:cloudformation:stack-name", "resourceTags/aws:createdBy",
	"resourceTags/user:team",
}

var focusColumns = []string{
	"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
	"ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
	"CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
	"ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost",
	"ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName",
	"ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName",
	"Tags", "x_Operation", "x_ServiceCode", "x_UsageType",
}

// createdByRegions are the regions where AWS populates aws:createdBy.
var createdByRegions = map[string]bool{"ap-northeast-1": true, "ap-northeast-2": true, "ap-south-1": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"cn-north-1": true, "eu-central-1": true, "eu-west-1": true, "sa-east-1": true, "us-east-1": true, "us-east-2": true, "us-gov-west-1": true, "us-west-1": true, "us-west-2": true}

var regionPrefix = map[string]string{"us-east-1": "USE1", "us-east-2": "USE2", "us-west-1": "USW1", "us-west-2": "USW2", "eu-west-1": "EU", "eu-west-2": "EUW2",
	"eu-west-3": "EUW3", "eu-central-1": "EUC1", "eu-north-1": "EUN1", "ap-northeast-1": "APN1", "ap-northeast-2": "APN2", "ap-southeast-1": "APS1",
	"ap-southeast-2": "APS2", "ap-south-1": "APS3", "sa-east-1": "SAE1", "ca-central-1": "CAN1"}

var regionName = map[string]string{"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
	"eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)", "eu-west-3": "EU (Paris)", "eu-central-1": "EU (Frankfurt)", "eu-north-1": "EU (Stockholm)",
	"ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)", "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
	"ap-south-1": "Asia Pacific (Mumbai)", "sa-east-1": "South America (Sao Paulo)", "ca-central-1": "Canada (Central)"}

func prefixOf(region string) string {
	if p, ok := regionPrefix[region]; ok {
		return p
	}
	return strings.ToUpper(strings.ReplaceAll(region, "-", ""))
}

// regionFactor makes prices differ a little between regions.
func regionFactor(region string) float64 {
	switch {
	case region == "us-east-1" || region == "us-east-2" || region == "us-west-2":
		return 1
	case strings.HasPrefix(region, "eu-"):
		return 1.1
	}
	return 1.15
}

// item is one cost line item, written to both reports.
type item struct {
	acct       *account
	region     string
	az         string
	typ        string // LineItemType
	start, end time.Time
	product    string // ProductCode
	service    string // FOCUS ServiceName
	category   string // FOCUS ServiceCategory
	usageType  string
	operation  string
	resourceID string
	resType    string
	amount     float64
	unit       string
	rate       float64
	desc       string
	family     string
	instType   string
	createdBy  string
	asg, stack string
	team       string // the user tag team
}

func (it *item) cost() float64 { return it.amount * it.rate }

type costWriter struct {
	o         *org
	payer     *account
	month     time.Time
	monthEnd  time.Time
	cur       *csv.Writer
	focus     *csv.Writer
	closers   []func() error
	rows      int
	total     float64
	n         uint64
	invoiceID string
	row       []string
	frow      []string

	// Per-month constants, formatted once.
	monthS, monthEndS string

	// FOCUS rows are formatted and compressed on a goroutine of their own,
	// beside the CUR rows: the report is written after the streams, when
	// nothing else keeps the other cores busy.
	batch     []item
	focusCh   chan []item
	focusDone chan struct{}
	skus      map[[2]string][2]string // (usageType, product) → SkuId, SkuPriceId
}

// focusBatch is how many line items are handed to the FOCUS goroutine at
// once, so that the channel costs nothing per row.
const focusBatch = 256

func writeCost(o *org, cfg *Config, streams []*stream, st *Stats) error {
	payer := &o.accounts[o.mgmt]
	for m := o.start.AddDate(0, 0, 0); m.Before(o.end); {
		month := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)
		next := month.AddDate(0, 1, 0)
		cw, err := newCostWriter(o, cfg, payer, month, next)
		if err != nil {
			return err
		}
		from, to := maxTime(month, o.start), minTime(next, o.end)
		ec2Cost := make([]float64, len(o.accounts))
		for _, s := range streams {
			for i := range s.st.lives {
				ec2Cost[s.ai] += cw.lifetime(s, &s.st.lives[i], from, to)
			}
		}
		cw.shared(streams, from, to, ec2Cost)
		if err := cw.close(cfg); err != nil {
			return err
		}
		st.CostRows += cw.rows
		st.CostTotal += cw.total
		m = next
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func newCostWriter(o *org, cfg *Config, payer *account, month, next time.Time) (*costWriter, error) {
	cw := &costWriter{o: o, payer: payer, month: month, monthEnd: next, monthS: ctime(month), monthEndS: ctime(next)}
	period := month.Format("20060102") + "-" + next.Format("20060102")
	assembly := hashUUID(hash(o.seed, 53, uint64(month.Unix())))
	curDir := filepath.Join(cfg.Out, "cost", "cur", curReport, period, assembly)
	focusDir := filepath.Join(cfg.Out, "cost", "focus", focusExport, "data", "BILLING_PERIOD="+month.Format("2006-01"))
	cw.invoiceID = itoa(int(2_000_000_000 + hash(o.seed, 59, uint64(month.Unix()))%900_000_000))
	open := func(dir, name string) (*csv.Writer, error) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		// The compressor hands its output on in pieces of a few hundred
		// bytes: buffered, the file takes a write call per 64 KiB instead.
		fb := bufio.NewWriterSize(f, 1<<16)
		zw, _ := gzip.NewWriterLevel(fb, gzip.BestSpeed)
		bw := bufio.NewWriterSize(zw, 1<<16)
		cw.closers = append(cw.closers, bw.Flush, zw.Close, fb.Flush, f.Close)
		return csv.NewWriter(bw), nil
	}
	var err error
	if cw.cur, err = open(curDir, curReport+"-1.csv.gz"); err != nil {
		return nil, fmt.Errorf("cost report: %w", err)
	}
	if cw.focus, err = open(focusDir, focusExport+"-00001.csv.gz"); err != nil {
		return nil, fmt.Errorf("cost report: %w", err)
	}
	cw.cur.Write(curColumns)
	cw.focus.Write(focusColumns)
	cw.row = make([]string, len(curColumns))
	cw.frow = make([]string, len(focusColumns))
	// The manifests are written now: they only depend on the period.
	cols := make([]map[string]string, len(curColumns))
	for i, c := range curColumns {
		cat, name, _ := strings.Cut(c, "/")
		typ := "String"
		switch {
		case strings.HasSuffix(name, "Date"):
			typ = "DateTime"
		case strings.HasSuffix(name, "Amount") || strings.HasSuffix(name, "Cost") || strings.HasSuffix(name, "Rate") || name == "NormalizationFactor":
			typ = "OptionalBigDecimal"
		}
		cols[i] = map[string]string{"category": cat, "name": name, "type": typ}
	}
	key := "cur/" + curReport + "/" + period + "/" + assembly + "/" + curReport + "-1.csv.gz"
	manifest := map[string]any{
		"assemblyId":             assembly,
		"account":                payer.id,
		"columns":                cols,
		"charset":                "UTF-8",
		"compression":            "GZIP",
		"contentType":            "text/csv",
		"reportId":               fmt.Sprintf("%x", hash(o.seed, 61)),
		"reportName":             curReport,
		"billingPeriod":          map[string]string{"start": month.Format("20060102T150405.000Z"), "end": next.Format("20060102T150405.000Z")},
		"bucket":                 "acme-cur-" + payer.id,
		"reportKeys":             []string{key},
		"additionalArtifactKeys": []any{},
	}
	b, _ := json.MarshalIndent(manifest, "", "  ")
	if err := writeFile(filepath.Join(curDir, curReport+"-Manifest.json"), b); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(filepath.Dir(curDir), curReport+"-Manifest.json"), b); err != nil {
		return nil, err
	}
	cw.batch = make([]item, 0, focusBatch)
	cw.focusCh = make(chan []item, 4)
	cw.focusDone = make(chan struct{})
	cw.skus = map[[2]string][2]string{}
	go func() {
		defer close(cw.focusDone)
		for batch := range cw.focusCh {
			for i := range batch {
				cw.writeFOCUS(&batch[i])
			}
		}
	}()
	return cw, nil
}

func (cw *costWriter) close(cfg *Config) error {
	cw.focusCh <- cw.batch
	close(cw.focusCh)
	<-cw.focusDone
	cw.cur.Flush()
	cw.focus.Flush()
	if err := cw.cur.Error(); err != nil {
		return err
	}
	if err := cw.focus.Error(); err != nil {
		return err
	}
	for _, c := range cw.closers {
		if err := c(); err != nil {
			return fmt.Errorf("cost report: %w", err)
		}
	}
	return nil
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func fcost(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e10)/1e10, 'f', -1, 64)
}

// ctime formats t as the cost reports do, 2006-01-02T15:04:05Z.
func ctime(t time.Time) string {
	var b [20]byte
	return string(appendTime(b[:0], t))
}

// skuAlphabet is the alphabet of line item and SKU IDs.
const skuAlphabet = upperAlnum

// emit writes one line item to both reports.
func (cw *costWriter) emit(it *item) {
	cw.n++
	cost := it.cost()
	cw.rows++
	cw.total += cost
	cw.writeCUR(it, cost)
	cw.batch = append(cw.batch, *it)
	if len(cw.batch) == focusBatch {
		cw.focusCh <- cw.batch
		cw.batch = make([]item, 0, focusBatch)
	}
}

func (cw *costWriter) writeCUR(it *item, cost float64) {
	createdBy := it.createdBy
	if !createdByRegions[it.region] {
		createdBy = ""
	}
	start, end := ctime(it.start), ctime(it.end)
	costS, rate := fcost(cost), fnum(it.rate)
	r := cw.row
	r[0] = charsFrom(hash(cw.o.seed, 67, uint64(cw.month.Unix()), cw.n), skuAlphabet, 26) + charsFrom(hash(cw.o.seed, 71, cw.n), skuAlphabet, 26)
	r[1] = start + "/" + end
	r[2] = cw.invoiceID
	r[3] = "AWS"
	r[4] = "Anniversary"
	r[5] = cw.payer.id
	r[6] = cw.monthS
	r[7] = cw.monthEndS
	r[8] = it.acct.id
	r[9] = it.typ
	r[10] = start
	r[11] = end
	r[12] = it.product
	r[13] = it.usageType
	r[14] = it.operation
	r[15] = it.az
	r[16] = it.resourceID
	r[17] = fnum(it.amount)
	r[18] = ""
	if it.instType != "" {
		r[18] = "4"
	}
	r[19] = "USD"
	r[20] = rate
	r[21] = costS
	r[22] = rate
	r[23] = costS
	r[24] = it.desc
	r[25] = it.service
	r[26] = it.product
	r[27] = it.region
	r[28] = regionName[it.region]
	r[29] = it.instType
	r[30] = it.family
	r[31] = costS
	r[32] = rate
	r[33] = "OnDemand"
	r[34] = it.unit
	r[35] = it.asg
	r[36] = it.stack
	r[37] = createdBy
	r[38] = it.team
	if it.typ == "Tax" || it.typ == "Fee" {
		r[32], r[33] = "", ""
		if it.typ == "Tax" {
			r[31] = "0"
		}
	}
	cw.cur.Write(r)
}

// writeFOCUS runs on the FOCUS goroutine.
func (cw *costWriter) writeFOCUS(it *item) {
	cost := it.cost()
	createdBy := it.createdBy
	if !createdByRegions[it.region] {
		createdBy = ""
	}
	f := cw.frow
	chargeCat, freq, pricing := "Usage", "Usage-Based", "Standard"
	switch it.typ {
	case "Tax":
		chargeCat, freq, pricing = "Tax", "Recurring", ""
	case "Fee":
		chargeCat, freq, pricing = "Purchase", "Recurring", "Standard"
	}
	tags := ""
	if createdBy != "" || it.asg != "" || it.stack != "" || it.team != "" {
		m := map[string]string{}
		if it.team != "" {
			m["user:team"] = it.team
		}
		if createdBy != "" {
			m["aws:createdBy"] = createdBy
		}
		if it.asg != "" {
			m["aws:autoscaling:groupName"] = it.asg
		}
		if it.stack != "" {
			m["aws:cloudformation:stack-name"] = it.stack
		}
		b, _ := json.Marshal(m)
		tags = string(b)
	}
	costS := fcost(cost)
	f[0] = it.az
	f[1] = costS
	f[2] = cw.payer.id
	f[3] = cw.payer.name
	f[4] = "USD"
	f[5] = cw.monthEndS
	f[6] = cw.monthS
	f[7] = chargeCat
	f[8] = ""
	f[9] = it.desc
	f[10] = freq
	f[11] = ctime(it.end)
	f[12] = ctime(it.start)
	f[13], f[14], f[15], f[16], f[17] = "", "", "", "", ""
	amount := fnum(it.amount)
	f[18] = amount
	f[19] = it.unit
	f[20] = costS
	rate := fnum(it.rate)
	f[21] = rate
	f[22] = costS
	f[23] = "Amazon Web Services, Inc."
	f[24] = costS
	f[25] = rate
	f[26] = pricing
	f[27] = amount
	f[28] = it.unit
	f[29] = "AWS"
	f[30] = "Amazon Web Services, Inc."
	f[31] = it.region
	f[32] = regionName[it.region]
	f[33] = it.resourceID
	f[34] = ""
	if it.resourceID != "" && !strings.HasPrefix(it.resourceID, "arn:") {
		f[34] = it.resourceID
	} else if i := strings.LastIndexAny(it.resourceID, "/:"); i >= 0 {
		f[34] = it.resourceID[i+1:]
	}
	f[35] = it.resType
	f[36] = it.category
	f[37] = it.service
	sku, ok := cw.skus[[2]string{it.usageType, it.product}]
	if !ok {
		sku[0] = charsFrom(hashStr(it.usageType+it.product), skuAlphabet, 16)
		sku[1] = sku[0] + "." + charsFrom(hashStr(it.usageType), skuAlphabet, 10)
		cw.skus[[2]string{it.usageType, it.product}] = sku
	}
	f[38], f[39] = sku[0], sku[1]
	f[40] = it.acct.id
	f[41] = it.acct.name
	f[42] = tags
	f[43] = it.operation
	f[44] = it.product
	f[45] = it.usageType
	if it.typ == "Tax" {
		f[20], f[21], f[24], f[25], f[27], f[28] = "0", "", "0", "", "", ""
	}
	cw.focus.Write(f)
}

// lifetime writes the line items of one billable interval within
// [from, to) and returns the EC2 share of its cost (for tax).
func (cw *costWriter) lifetime(s *stream, l *lifetime, from, to time.Time) float64 {
	start, end := maxTime(l.start, from), minTime(l.end, to)
	if !start.Before(end) {
		return 0
	}
	pre := prefixOf(s.region)
	rf := regionFactor(s.region)
	it := item{acct: s.acct, region: s.region, typ: "Usage", createdBy: l.createdBy}
	if l.parentTag != "" {
		if l.parentKind == rASG {
			it.asg = l.parentTag
		} else {
			// CloudFormation gives a stack's resources the stack's tags
			// (CreateStack's tags: team=orders).
			it.stack, it.team = l.parentTag, stackTeam
		}
	}
	hourly := true
	switch l.kind {
	case rInstance:
		it.product, it.service, it.category, it.family = "AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance"
		it.usageType, it.operation, it.unit, it.resType = pre+"-BoxUsage:"+l.typ, "RunInstances", "Hrs", "Instance"
		it.rate = instancePrice[l.typ] * rf
		it.instType = l.typ
		it.resourceID = l.id
		it.az = s.region + "a"
		it.desc = fmt.Sprintf("$%.4f per On Demand Linux %s Instance Hour", it.rate, l.typ)
	case rNAT:
		it.product, it.service, it.category, it.family = "AmazonEC2", "Amazon Elastic Compute Cloud", "Networking", "NAT Gateway"
		it.usageType, it.operation, it.unit, it.resType = pre+"-NatGateway-Hours", "NatGateway", "Hrs", "NAT Gateway"
		it.rate = natPerHour * rf
		it.resourceID = l.arn
		it.desc = fmt.Sprintf("$%.3f per NAT Gateway Hour", it.rate)
	case rLB:
		it.product, it.service, it.category, it.family = "AWSELB", "Elastic Load Balancing", "Networking", "Load Balancer-Application"
		it.usageType, it.operation, it.unit, it.resType = pre+"-LoadBalancerUsage", "LoadBalancing:Application", "Hrs", "Load Balancer"
		it.rate = albPerHour * rf
		it.resourceID = l.arn
		it.desc = fmt.Sprintf("$%.4f per Application LoadBalancer-hour (or partial hour)", it.rate)
	case rDB:
		it.product, it.service, it.category, it.family = "AmazonRDS", "Amazon Relational Database Service", "Databases", "Database Instance"
		it.usageType, it.operation, it.unit, it.resType = pre+"-InstanceUsage:"+l.typ, "CreateDBInstance:0014", "Hrs", "DB Instance"
		it.rate = dbPrice[l.typ] * rf
		it.instType = l.typ
		it.resourceID = l.arn
		it.desc = fmt.Sprintf("$%.3f per RDS %s instance hour (or partial hour) running PostgreSQL", it.rate, l.typ)
	default:
		hourly = false
	}
	var sum float64
	if hourly {
		for h := start.Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
			a, b := maxTime(h, start), minTime(h.Add(time.Hour), end)
			it.start, it.end = h, h.Add(time.Hour)
			it.amount = math.Round(b.Sub(a).Hours()*1e6) / 1e6
			if it.amount <= 0 {
				continue
			}
			cw.emit(&it)
			sum += it.cost()
		}
		if it.product == "AmazonEC2" {
			return sum
		}
		return 0
	}
	monthHours := cw.monthEnd.Sub(cw.month).Hours()
	gbMonth := func(gb float64, hours float64) float64 { return math.Round(gb*hours/monthHours*1e8) / 1e8 }
	for d := start.Truncate(24 * time.Hour); d.Before(end); d = d.Add(24 * time.Hour) {
		a, b := maxTime(d, start), minTime(d.Add(24*time.Hour), end)
		hours := b.Sub(a).Hours()
		it.start, it.end = d, d.Add(24*time.Hour)
		switch l.kind {
		case rVolume:
			vt := l.typ
			if vt == "" {
				vt = "gp3"
			}
			it.product, it.service, it.category, it.family = "AmazonEC2", "Amazon Elastic Compute Cloud", "Storage", "Storage"
			it.usageType, it.operation, it.unit, it.resType = pre+"-EBS:VolumeUsage."+vt, "CreateVolume-"+strings.ToUpper(vt[:1])+vt[1:], "GB-Mo", "Volume"
			it.rate = ebsGp3PerGBMonth * rf
			if vt == "gp2" {
				it.rate = ebsGp2PerGBMonth * rf
			}
			it.amount = gbMonth(float64(l.size), hours)
			it.resourceID = l.id
			it.desc = fmt.Sprintf("$%.3f per GB-month of General Purpose (%s) provisioned storage", it.rate, vt)
		case rSnapshot:
			it.product, it.service, it.category, it.family = "AmazonEC2", "Amazon Elastic Compute Cloud", "Storage", "Storage Snapshot"
			it.usageType, it.operation, it.unit, it.resType = pre+"-EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo", "Snapshot"
			it.rate = snapPerGBMonth * rf
			it.amount = gbMonth(float64(l.size)*0.4, hours)
			it.resourceID = l.arn
			it.desc = fmt.Sprintf("$%.3f per GB-Month of snapshot data stored", it.rate)
		case rBucket:
			it.product, it.service, it.category, it.family = "AmazonS3", "Amazon Simple Storage Service", "Storage", "Storage"
			it.usageType, it.operation, it.unit, it.resType = pre+"-TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", "Bucket"
			it.rate = s3PerGBMonth * rf
			it.amount = gbMonth(float64(max(l.size, 1)), hours)
			it.resourceID = l.id
			it.desc = fmt.Sprintf("$%.3f per GB - first 50 TB / month of storage used", it.rate)
		case rFunction:
			it.product, it.service, it.category, it.family = "AWSLambda", "AWS Lambda", "Compute", "Serverless"
			it.usageType, it.operation, it.unit, it.resType = pre+"-Lambda-GB-Second", "Invoke", "Lambda-GB-Second", "Function"
			it.rate = lambdaPerGBSecond
			secs := float64(hash(cw.o.seed, 73, hashStr(l.id), uint64(d.Unix()))%20000) * hours / 24
			it.amount = math.Round(float64(max(l.size, 128))/1024*secs*1000) / 1000
			it.resourceID = l.arn
			it.desc = "AWS Lambda - Total Compute - " + s.region
		case rTable:
			it.product, it.service, it.category, it.family = "AmazonDynamoDB", "Amazon DynamoDB", "Databases", "Amazon DynamoDB PayPerRequest Throughput"
			it.usageType, it.operation, it.unit, it.resType = pre+"-ReadRequestUnits", "PayPerRequestThroughput", "ReadRequestUnits", "Table"
			it.rate = 0.00000025 * rf
			it.amount = float64(hash(cw.o.seed, 79, hashStr(l.id), uint64(d.Unix()))%5_000_000) * hours / 24
			it.amount = math.Round(it.amount)
			it.resourceID = l.arn
			it.desc = "$0.25 per million read request units"
		default:
			return 0
		}
		if it.amount <= 0 {
			continue
		}
		cw.emit(&it)
		if it.product == "AmazonEC2" {
			sum += it.cost()
		}
	}
	return sum
}

// shared writes the costs that belong to no resource: CloudTrail and
// GuardDuty usage, the support plan, and tax.
func (cw *costWriter) shared(streams []*stream, from, to time.Time, ec2Cost []float64) {
	events := map[int]int64{}
	for _, s := range streams {
		events[s.ai] += s.stats.Events
	}
	days := math.Max(1, to.Sub(from).Hours()/24)
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		for ai := range cw.o.accounts {
			a := &cw.o.accounts[ai]
			gd := item{acct: a, region: "us-east-1", typ: "Usage", start: d, end: d.Add(24 * time.Hour), product: "AmazonGuardDuty", service: "Amazon GuardDuty", category: "Security",
				usageType: "USE1-PaidEventsAnalyzed", operation: "CloudTrailAnalysis", unit: "Events", rate: 0.000004, family: "Security Services",
				amount: math.Round(float64(events[ai]) / days), desc: "Amazon GuardDuty CloudTrail management event analysis"}
			if gd.amount > 0 {
				cw.emit(&gd)
			}
			if ai == cw.o.mgmt {
				ct := item{acct: a, region: "us-east-1", typ: "Usage", start: d, end: d.Add(24 * time.Hour), product: "AWSCloudTrail", service: "AWS CloudTrail", category: "Management and Governance",
					usageType: "USE1-PaidEventsRecorded", operation: "None", unit: "Events", rate: 0.000002, family: "Management Tools - AWS CloudTrail Data Events Recorded",
					desc: "0.000002 per data event recorded"}
				for _, s := range streams {
					ct.amount += float64(s.stats.Data)
				}
				ct.amount = math.Round(ct.amount / days)
				if ct.amount > 0 {
					cw.emit(&ct)
				}
			}
		}
	}
	support := item{acct: cw.payer, region: "", typ: "Fee", start: cw.month, end: cw.monthEnd, product: "AWSSupportBusiness", service: "AWS Support (Business)", category: "Other",
		usageType: "Dollar", operation: "", unit: "Dollar", amount: 1, family: "AWS Support", desc: "AWS Support (Business)"}
	support.rate = math.Round(math.Max(100, 0.1*cw.total)*100) / 100
	cw.emit(&support)
	for ai := range cw.o.accounts {
		a := &cw.o.accounts[ai]
		tax := item{acct: a, region: "", typ: "Tax", start: cw.month, end: cw.monthEnd, product: "AmazonEC2", service: "Amazon Elastic Compute Cloud", category: "Compute",
			usageType: "", operation: "", unit: "", amount: 1, desc: "Tax for product code AmazonEC2 usage type (all)"}
		tax.rate = math.Round(ec2Cost[ai]*0.08*100) / 100
		if tax.rate > 0 {
			cw.emit(&tax)
		}
	}
}
