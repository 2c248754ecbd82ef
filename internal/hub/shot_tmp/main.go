package main

import (
	"context"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"))
	actx, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
	defer c1()
	ctx, c2 := chromedp.NewContext(actx)
	defer c2()
	w, h := int64(1920), int64(1080)
	if len(os.Args) > 3 && os.Args[3] == "4k" {
		w, h = 3840, 2160
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(os.Args[1]), chromedp.Sleep(12*time.Second)); err != nil {
		panic(err)
	}
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		panic(err)
	}
	os.WriteFile(os.Args[2], b, 0o644)
}
