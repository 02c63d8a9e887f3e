package ors

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GenesysZone maps the names of the time zones Configuration Server
// creates by default (Genesys Administrator, "Time Zones"), which
// strategies pass to _genesys.session.dateInZone and the other zone
// helpers, to IANA zones. They are the three-letter names of the JDK's
// legacy zone ids, which the default Genesys zones follow. The match is
// case-insensitive.
func GenesysZone(name string) (string, bool) {
	switch strings.ToUpper(name) {
	case "ACT":
		return "Australia/Darwin", true
	case "AET":
		return "Australia/Sydney", true
	case "AGT":
		return "America/Argentina/Buenos_Aires", true
	case "ART":
		return "Africa/Cairo", true
	case "AST":
		return "America/Anchorage", true
	case "BET":
		return "America/Sao_Paulo", true
	case "BST":
		return "Asia/Dhaka", true
	case "CAT":
		return "Africa/Harare", true
	case "CNT":
		return "America/St_Johns", true
	case "CST":
		return "America/Chicago", true
	case "CTT":
		return "Asia/Shanghai", true
	case "EAT":
		return "Africa/Addis_Ababa", true
	case "ECT":
		return "Europe/Paris", true
	case "EET":
		return "Europe/Athens", true
	case "EST":
		return "America/New_York", true
	case "GMT":
		return "Etc/GMT", true
	case "HST":
		return "Pacific/Honolulu", true
	case "IET":
		return "America/Indiana/Indianapolis", true
	case "IST":
		return "Asia/Kolkata", true
	case "JST":
		return "Asia/Tokyo", true
	case "MET":
		return "Asia/Tehran", true
	case "MIT":
		return "Pacific/Apia", true
	case "MST":
		return "America/Denver", true
	case "NET":
		return "Asia/Yerevan", true
	case "NST":
		return "Pacific/Auckland", true
	case "PLT":
		return "Asia/Karachi", true
	case "PNT":
		return "America/Phoenix", true
	case "PRT":
		return "America/Puerto_Rico", true
	case "PST":
		return "America/Los_Angeles", true
	case "SST":
		return "Pacific/Guadalcanal", true
	case "UTC":
		return "UTC", true
	case "VST":
		return "Asia/Ho_Chi_Minh", true
	case "WET":
		return "Europe/Lisbon", true
	}
	return "", false
}

// zoneByName returns the zone a name stands for: a Genesys time zone name,
// an IANA name, or an offset from UTC ("+05:30", "-3", "GMT+2",
// "UTC-04:00").
func zoneByName(name string) (*time.Location, error) {
	n := strings.TrimSpace(name)
	if n == "" {
		return time.UTC, nil
	}
	if z, ok := GenesysZone(n); ok {
		return time.LoadLocation(z)
	}
	if loc, ok := offsetZone(n); ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(n)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want a Genesys zone name such as ECT or PST, an IANA name, or an offset such as +05:30)", name)
	}
	return loc, nil
}

// offsetZone parses "+05:30", "-3", "GMT+2" or "UTC-04:00".
func offsetZone(n string) (*time.Location, bool) {
	s := n
	for _, p := range []string{"GMT", "UTC"} {
		if strings.HasPrefix(strings.ToUpper(s), p) && len(s) > len(p) {
			s = s[len(p):]
			break
		}
	}
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	hh, mm, found := strings.Cut(s[1:], ":")
	h, err := strconv.Atoi(hh)
	if err != nil || h > 14 {
		return nil, false
	}
	m := 0
	if found {
		if m, err = strconv.Atoi(mm); err != nil || m > 59 {
			return nil, false
		}
	}
	return time.FixedZone(n, sign*(h*3600+m*60)), true
}
