package idnumber_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"yima/services/identity/idnumber"
)

func ExampleParse() {
	// 310103 is 卢湾区, merged into 黄浦区 in 2011; numbers issued there stay valid.
	n, err := idnumber.Parse("310103197503020046")
	if err != nil {
		fmt.Println(err)
		return
	}
	name, _ := idnumber.RegionName(n.Region())
	fmt.Println(n.Region(), name)
	fmt.Println(n.BirthDate().Format(time.DateOnly), n.Male())
	fmt.Println(n.Masked())

	_, err = idnumber.Parse("310103197503020047")
	var e *idnumber.Error
	if errors.As(err, &e) {
		fmt.Println(e.Reason, e.Message)
	}
	// Output:
	// 310103 卢湾区
	// 1975-03-02 false
	// 310***********0046
	// ID_NUMBER_CHECKSUM 身份证号码校验位错误
}

func ExampleGenerate() {
	r := rand.New(rand.NewPCG(2025, 1)) // a fixed seed makes demo data repeatable
	d := idnumber.ShanghaiDistricts()[10]
	s := idnumber.Generate(r, d.Code, time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), false)

	n, err := idnumber.Parse(s)
	fmt.Println(err, d.Name, n.Region(), n.BirthDate().Format(time.DateOnly), n.Male())
	// Output: <nil> 浦东新区 310115 1990-05-17 false
}

func ExampleMask() {
	fmt.Println(idnumber.Mask("31011519880808004X"))
	// Output: 310***********004X
}
