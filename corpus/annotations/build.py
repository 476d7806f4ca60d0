"""Build the hand-written training annotations of the classifiers.

Every sentence below was written for this project (no publisher's text);
places are real, figures invented. Licence: CC0-1.0 or Apache-2.0.

Each block is one small document; each line is one sentence::

    S|topic|text   a shortcoming (its whole sentence becomes a `shortcoming` fact)
    N|topic|text   not a shortcoming (recommendation, aim, achievement, neutral ...)

A number written ``[[...]]`` becomes a numeric fact with the line's topic
(``%`` -> percentage, ``a/b`` -> ratio, ``tỷ đồng``/``triệu đồng`` -> money,
otherwise a count whose unit is the next word). Offsets are computed here.

Run:  .venv/bin/python corpus/annotations/build.py
It writes ``hard_negatives.jsonl`` (shortcomings and their near misses) and
``topics.jsonl`` (numeric facts of every topic), in the gold format.
"""
from __future__ import annotations

import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TOPICS = {"email", "document_management", "digital_signature", "online_services", "one_stop_shop",
          "infrastructure", "personnel", "security", "web_portal", "digital_society", "budget",
          "governance", "other"}

HARD_NEGATIVES = """
N|governance|Kết quả chuyển đổi số của huyện Đăk Song năm 2023
S|governance|Bên cạnh những kết quả đạt được, công tác chuyển đổi số của huyện vẫn còn một số tồn tại, hạn chế.
S|infrastructure|Hệ thống máy tính tại nhiều xã đã cũ, cấu hình thấp, thường xuyên hư hỏng.
S|personnel|Đội ngũ công chức phụ trách công nghệ thông tin cấp xã đều kiêm nhiệm, chưa được đào tạo bài bản.
N|governance|Huyện cần tập trung chỉ đạo quyết liệt hơn nữa trong thời gian tới.
N|infrastructure|Đề nghị tỉnh hỗ trợ kinh phí thay thế máy tính cho các xã khó khăn.
N|personnel|Thời gian tới, huyện sẽ tổ chức các lớp tập huấn kỹ năng số cho công chức cấp xã.
N|governance|Để khắc phục những hạn chế trên, UBND huyện yêu cầu các phòng, ban tăng cường kiểm tra, đôn đốc.

N|online_services|Dịch vụ công trực tuyến tạo thuận lợi cho người dân
N|online_services|Năm 2023, tỷ lệ hồ sơ nộp trực tuyến của tỉnh đạt [[72%]], tăng mạnh so với năm trước.
N|one_stop_shop|Việc giải quyết thủ tục hành chính qua môi trường mạng nhằm hạn chế tình trạng nhũng nhiễu, gây phiền hà.
N|digital_society|Tỉnh triển khai thanh toán không dùng tiền mặt nhằm hạn chế rủi ro khi giao dịch tiền mặt.
N|security|Các cơ quan được trang bị phần mềm phòng, chống mã độc nhằm hạn chế nguy cơ mất an toàn thông tin.
S|online_services|Tuy nhiên, nhiều dịch vụ công trực tuyến toàn trình vẫn chưa phát sinh hồ sơ.
S|online_services|Người dân ở vùng sâu, vùng xa còn ngại nộp hồ sơ qua mạng do chưa quen sử dụng.
N|online_services|Thời gian tới, tỉnh sẽ rà soát, cắt giảm các dịch vụ công ít phát sinh hồ sơ.

N|governance|Từ xuất phát điểm thấp, Lai Châu đã vươn lên trong bảng xếp hạng chỉ số chuyển đổi số.
N|infrastructure|Vượt qua khó khăn về địa hình, đến nay [[100%]] thôn, bản đã có sóng điện thoại di động.
N|governance|Không thể xây dựng chính quyền số thành công nếu người đứng đầu không quan tâm.
N|governance|Nhìn thẳng vào hạn chế để đẩy nhanh chuyển đổi số
N|governance|Năm 2023, tỉnh hoàn thành [[25]] chỉ tiêu, còn [[3]] chỉ tiêu chưa hoàn thành.
S|governance|Chỉ số chuyển đổi số của tỉnh năm 2023 tụt [[7]] bậc so với năm 2022.
S|governance|Tỉnh nằm trong nhóm [[10]] địa phương có chỉ số cải cách hành chính thấp nhất cả nước.
N|governance|Tỉnh được xếp thứ [[5/63]] tỉnh, thành phố về chỉ số cải cách hành chính.

N|document_management|Phần mềm quản lý văn bản giúp rút ngắn thời gian xử lý công việc
S|document_management|Một số lãnh đạo phòng vẫn yêu cầu trình văn bản giấy song song với văn bản điện tử.
S|document_management|Phần mềm quản lý văn bản và điều hành thường xuyên bị lỗi, chậm khi có nhiều người truy cập.
N|document_management|Đến nay, [[100%]] văn bản đi, đến được xử lý trên phần mềm quản lý văn bản và điều hành.
N|document_management|Yêu cầu các cơ quan không gửi văn bản giấy đối với các văn bản đã gửi qua môi trường mạng.
N|digital_signature|Đề nghị các đơn vị sử dụng chữ ký số để ký tất cả văn bản điện tử.
S|digital_signature|Tỷ lệ văn bản đi được ký số ở cấp xã còn thấp, mới đạt [[35%]].
N|digital_signature|Tỉnh đã cấp [[1.250]] chứng thư số cho cán bộ, công chức các cấp.

N|email|Hệ thống thư điện tử công vụ hoạt động ổn định, thông suốt.
S|email|Nhiều công chức cấp xã chưa sử dụng thư điện tử công vụ, vẫn dùng hộp thư cá nhân để gửi tài liệu.
N|email|Các cơ quan cần sử dụng thư điện tử công vụ để trao đổi công việc nhằm bảo đảm bí mật thông tin.
S|security|Nhiều máy tính chưa được cài đặt phần mềm diệt virus có bản quyền.
S|security|Năm qua, cổng thông tin điện tử của huyện bị tấn công [[2]] lần, gây gián đoạn hoạt động.
N|security|Trong năm, không xảy ra sự cố mất an toàn thông tin nghiêm trọng trên địa bàn tỉnh.
N|security|Thời gian tới, tỉnh sẽ tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng.

N|web_portal|Trang thông tin điện tử của huyện được cập nhật tin, bài thường xuyên.
S|web_portal|Trang thông tin điện tử của một số xã chậm cập nhật, nhiều chuyên mục còn bỏ trống.
S|web_portal|Cổng thông tin điện tử của tỉnh chưa đáp ứng đầy đủ yêu cầu về cung cấp thông tin theo quy định.
N|web_portal|Năm 2023, trang thông tin điện tử của huyện đăng tải [[460]] tin, bài.
N|web_portal|Ban biên tập cần nâng cao chất lượng tin, bài đăng trên trang thông tin điện tử.

N|digital_society|Tổ công nghệ số cộng đồng giúp người dân tiếp cận dịch vụ số
N|digital_society|Toàn huyện đã thành lập [[96]] tổ công nghệ số cộng đồng với hơn [[500]] thành viên.
S|digital_society|Tuy nhiên, hoạt động của các tổ công nghệ số cộng đồng ở nhiều thôn còn hình thức.
S|digital_society|Phần lớn người cao tuổi chưa có điện thoại thông minh, chưa biết cách sử dụng ứng dụng VNeID.
S|digital_society|Tỷ lệ người dân có tài khoản thanh toán điện tử ở các xã vùng cao còn rất thấp.
N|digital_society|Các tổ công nghệ số cộng đồng cần tiếp tục hướng dẫn người dân cài đặt, kích hoạt tài khoản định danh điện tử.
N|digital_society|Nhờ đó, nhiều hộ dân đã bán nông sản qua mạng xã hội và sàn thương mại điện tử.

N|budget|Năm 2024, huyện bố trí [[1,5 tỷ đồng]] cho các nhiệm vụ chuyển đổi số.
S|budget|Kinh phí cho chuyển đổi số còn hạn hẹp, chưa đáp ứng nhu cầu đầu tư hạ tầng.
S|budget|Nguồn vốn nâng cấp trung tâm dữ liệu của tỉnh đến nay vẫn chưa được bố trí.
N|budget|Đề nghị UBND tỉnh quan tâm bố trí kinh phí để nâng cấp hệ thống phần mềm dùng chung.
N|budget|Tỉnh sẽ ưu tiên bố trí vốn cho các dự án chuyển đổi số trong giai đoạn 2026-2030.

N|one_stop_shop|Bộ phận một cửa cấp huyện tiếp nhận [[12.450]] hồ sơ, giải quyết đúng hạn [[98,6%]].
S|one_stop_shop|Vẫn còn [[215]] hồ sơ thủ tục hành chính giải quyết quá hạn, chủ yếu trong lĩnh vực đất đai.
S|one_stop_shop|Việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại bộ phận một cửa cấp xã còn chậm.
N|one_stop_shop|Số hồ sơ trễ hạn đã giảm đáng kể so với cùng kỳ năm trước.
N|one_stop_shop|Các xã cần chấn chỉnh việc giải quyết hồ sơ trễ hạn, không để người dân phải đi lại nhiều lần.
S|one_stop_shop|Một số công chức bộ phận một cửa chưa thành thạo thao tác trên hệ thống thông tin giải quyết thủ tục hành chính.

N|infrastructure|Hạ tầng viễn thông phát triển mạnh
N|infrastructure|Toàn tỉnh có [[1.350]] trạm thu phát sóng di động, phủ sóng 4G đến [[99%]] thôn, bản.
S|infrastructure|Hiện vẫn còn [[14]] thôn vùng lõm sóng, chưa có sóng điện thoại di động.
S|infrastructure|Đường truyền internet tại trụ sở một số xã chập chờn, thường xuyên mất kết nối.
S|infrastructure|Phòng máy chủ của huyện chưa được trang bị hệ thống chống sét và điều hòa dự phòng.
N|infrastructure|Doanh nghiệp viễn thông sẽ lắp đặt thêm trạm phát sóng tại các thôn vùng sâu trong năm tới.
N|infrastructure|Hệ thống hội nghị truyền hình được triển khai đến [[100%]] xã, thị trấn, vận hành ổn định.

N|personnel|Huyện đã cử [[120]] lượt cán bộ tham gia các lớp bồi dưỡng về chuyển đổi số.
S|personnel|Trình độ công nghệ thông tin của một bộ phận cán bộ, công chức còn hạn chế.
S|personnel|Huyện chưa có công chức chuyên trách về công nghệ thông tin, việc tham mưu còn lúng túng.
N|personnel|Cần có chính sách thu hút, đãi ngộ để giữ chân nhân lực công nghệ thông tin.
N|personnel|Tỉnh phấn đấu đến năm 2025 có [[100%]] cán bộ, công chức được bồi dưỡng kỹ năng số.

N|other|Huyện Mường Nhé có [[11]] xã với hơn [[60]] nghìn dân, chủ yếu là đồng bào dân tộc thiểu số.
S|other|Đời sống của người dân còn nhiều khó khăn, tỷ lệ hộ nghèo còn cao.
S|other|Giao thông đi lại giữa các bản còn khó khăn, nhất là vào mùa mưa.
N|other|Cơ sở dữ liệu hộ tịch đã được số hóa [[1,2 triệu]] trường hợp.
S|other|Dữ liệu đất đai của nhiều xã chưa được số hóa, còn lưu trữ trên giấy.
N|other|Công tác tuyên truyền về chuyển đổi số được đẩy mạnh trên hệ thống truyền thanh cơ sở.
S|other|Công tác tuyên truyền về chuyển đổi số ở một số địa phương chưa thường xuyên, nội dung chưa phong phú.

N|governance|UBND tỉnh ban hành kế hoạch chuyển đổi số năm 2024
N|governance|Ban Chỉ đạo chuyển đổi số của tỉnh đã ban hành [[12]] văn bản chỉ đạo, điều hành.
S|governance|Một số sở, ngành chưa ban hành kế hoạch chuyển đổi số của đơn vị.
S|governance|Việc triển khai nhiệm vụ chuyển đổi số ở nhiều địa phương còn chậm so với kế hoạch.
N|governance|Ban Chỉ đạo yêu cầu các đơn vị đẩy nhanh tiến độ, hoàn thành các nhiệm vụ trước ngày 15/12.
N|governance|Giao Sở Thông tin và Truyền thông chủ trì, phối hợp với các đơn vị liên quan triển khai kế hoạch.
N|governance|Qua kiểm tra, các đơn vị đã khắc phục xong những tồn tại được chỉ ra.
S|governance|Nhận thức về chuyển đổi số của một số người đứng đầu cơ quan, đơn vị chưa đầy đủ.
S|governance|Công tác phối hợp giữa các sở, ngành trong chia sẻ dữ liệu còn thiếu chặt chẽ.

N|governance|Những khó khăn, vướng mắc và kiến nghị
S|infrastructure|Hạ tầng công nghệ thông tin chưa đồng bộ, nhiều thiết bị đã hết khấu hao.
S|online_services|Cổng dịch vụ công của tỉnh có thời điểm bị lỗi, người dân không nộp được hồ sơ.
S|document_management|Việc kết nối, liên thông văn bản điện tử với cấp xã có lúc bị gián đoạn.
N|governance|Kiến nghị Bộ Thông tin và Truyền thông sớm ban hành hướng dẫn đánh giá chỉ số chuyển đổi số cấp huyện.
N|budget|Đề xuất Trung ương hỗ trợ kinh phí đầu tư hạ tầng cho các tỉnh miền núi.
N|governance|Trên đây là báo cáo kết quả thực hiện chuyển đổi số năm 2023 của UBND huyện.

N|other|Người dân xã Tà Xùa phấn khởi với dịch vụ số
N|digital_society|Trước đây, muốn chuyển tiền cho con đi học xa, bà con phải đi hàng chục cây số ra thị trấn.
N|digital_society|Nay, nhiều hộ đã dùng điện thoại thông minh để chuyển tiền, thanh toán tiền điện.
N|other|Cuộc sống còn nhiều vất vả, nhưng người dân luôn tin tưởng vào chủ trương của Đảng.
S|digital_society|Dù vậy, vẫn còn nhiều người dân chưa biết sử dụng các ứng dụng ngân hàng số.
N|digital_society|Đoàn thanh niên sẽ tiếp tục tổ chức các đợt hỗ trợ người dân cài đặt ứng dụng.

N|online_services|Từ chỗ người dân còn e ngại, đến nay việc nộp hồ sơ trực tuyến đã trở nên quen thuộc.
N|online_services|Việc triển khai dịch vụ công trực tuyến toàn trình còn gặp nhiều khó khăn ban đầu, nhưng nay đã đi vào nề nếp.
S|online_services|Hiện dịch vụ công trực tuyến vẫn còn nhiều khó khăn, nhưng huyện đã có nhiều giải pháp tháo gỡ.
N|online_services|Huyện đã tháo gỡ các khó khăn, vướng mắc trong triển khai dịch vụ công trực tuyến.
N|online_services|Các khó khăn trong thanh toán trực tuyến phí, lệ phí đã được khắc phục kịp thời.
S|online_services|Tỷ lệ thanh toán trực tuyến phí, lệ phí thủ tục hành chính chỉ đạt [[8,5%]], thấp hơn nhiều so với chỉ tiêu.
"""

TOPIC_DOCS = """
N|email|Hệ thống thư điện tử công vụ của tỉnh có [[8.520]] hộp thư, [[100%]] cơ quan nhà nước sử dụng.
N|email|Tỷ lệ cán bộ, công chức cấp xã được cấp hộp thư điện tử công vụ đạt [[96%]].
N|email|Có [[45/45]] cơ quan, đơn vị sử dụng thư điện tử công vụ trong trao đổi công việc.
N|document_management|Tỷ lệ văn bản điện tử trao đổi giữa các cơ quan nhà nước đạt [[98,7%]].
N|document_management|Năm 2023, hệ thống quản lý văn bản và điều hành đã luân chuyển [[356.000]] văn bản điện tử.
N|document_management|Có [[18/18]] phòng, ban chuyên môn sử dụng phần mềm iDesk trong xử lý công việc.
N|document_management|Trục liên thông văn bản của tỉnh kết nối với [[125]] đơn vị.

N|digital_signature|Tỷ lệ văn bản đi được ký số đạt [[97%]] ở cấp tỉnh và [[85%]] ở cấp xã.
N|digital_signature|Tỉnh đã cấp [[3.400]] chứng thư số chuyên dùng cho các cơ quan và cá nhân.
N|digital_signature|Có [[2.150]] cán bộ, công chức được cấp chữ ký số cá nhân.
N|online_services|Tỷ lệ hồ sơ trực tuyến toàn trình đạt [[54,2%]] trên tổng số hồ sơ tiếp nhận.
N|online_services|Cổng dịch vụ công của tỉnh cung cấp [[1.215]] dịch vụ công trực tuyến, trong đó [[420]] dịch vụ toàn trình.
N|online_services|Tỷ lệ thanh toán trực tuyến phí, lệ phí đạt [[41%]].
N|online_services|Có [[92,5%]] dịch vụ công được tích hợp lên Cổng Dịch vụ công quốc gia.

N|one_stop_shop|Trong năm, bộ phận một cửa các cấp tiếp nhận [[86.300]] hồ sơ thủ tục hành chính.
N|one_stop_shop|Tỷ lệ hồ sơ giải quyết đúng hạn đạt [[99,2%]], trễ hạn [[0,8%]].
N|one_stop_shop|Có [[1.420]] hồ sơ được trả kết quả qua dịch vụ bưu chính công ích.
N|one_stop_shop|Tỷ lệ số hóa hồ sơ, kết quả giải quyết thủ tục hành chính đạt [[78%]].
N|infrastructure|[[100%]] cán bộ, công chức được trang bị máy tính kết nối internet.
N|infrastructure|Tỉnh có [[1.870]] trạm BTS, tỷ lệ phủ sóng 4G đạt [[99,5%]] dân số.
N|infrastructure|Có [[143/143]] xã, phường có điểm cầu hội nghị truyền hình trực tuyến.

N|infrastructure|Mạng truyền số liệu chuyên dùng đã kết nối đến [[168]] điểm.
N|infrastructure|Tỷ lệ thôn, bản có cáp quang đạt [[92%]].
N|personnel|Năm 2023, tỉnh tổ chức [[35]] lớp tập huấn cho [[2.800]] lượt cán bộ.
N|personnel|Toàn tỉnh có [[64]] công chức chuyên trách công nghệ thông tin.
N|personnel|Tỷ lệ cán bộ, công chức được bồi dưỡng kỹ năng số đạt [[80%]].
N|security|Tỉnh đã phê duyệt hồ sơ đề xuất cấp độ cho [[42]] hệ thống thông tin.
N|security|Trong năm, hệ thống giám sát đã phát hiện và ngăn chặn [[1.250]] cuộc tấn công mạng.

N|security|Có [[100%]] máy tính của cơ quan nhà nước được cài phần mềm phòng chống mã độc.
N|web_portal|Cổng thông tin điện tử của tỉnh có [[56]] trang thành phần.
N|web_portal|Trong năm, cổng thông tin điện tử đăng tải [[3.200]] tin, bài và thu hút [[4,5 triệu]] lượt truy cập.
N|web_portal|Có [[20/20]] xã có trang thông tin điện tử hoạt động thường xuyên.
N|digital_society|Tỷ lệ người trưởng thành có điện thoại thông minh đạt [[85%]].
N|digital_society|Toàn tỉnh có [[650.000]] tài khoản định danh điện tử được kích hoạt.
N|digital_society|Tỷ lệ dân số trưởng thành có tài khoản thanh toán điện tử đạt [[76%]].

N|digital_society|Có [[1.350]] tổ công nghệ số cộng đồng với [[7.200]] thành viên.
N|digital_society|Tỷ lệ hộ gia đình có kết nối internet cáp quang đạt [[81%]].
N|digital_society|Trên địa bàn tỉnh có [[2.300]] doanh nghiệp số.
N|budget|Tổng kinh phí dành cho chuyển đổi số năm 2023 là [[45 tỷ đồng]].
N|budget|Huyện bố trí [[800 triệu đồng]] để nâng cấp phòng máy chủ.
N|governance|Chỉ số chuyển đổi số DTI năm 2023 của tỉnh xếp thứ [[12/63]], tăng [[8]] bậc.
N|governance|Tỉnh đã hoàn thành [[42/45]] nhiệm vụ trong kế hoạch chuyển đổi số năm 2023.

N|governance|Chỉ số PAR Index của tỉnh đạt [[88,2%]], đứng thứ [[6]] cả nước.
N|governance|Ban Chỉ đạo đã tổ chức [[4]] đoàn kiểm tra tại [[15]] đơn vị.
N|governance|Phấn đấu đến năm 2025 có [[80%]] hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng.
N|other|Tỉnh có [[9]] huyện, thị xã, thành phố với [[125]] xã, phường, thị trấn.
N|other|Dân số toàn tỉnh khoảng [[1,3 triệu]] người.
N|other|Cơ sở dữ liệu đất đai đã được xây dựng cho [[6/9]] huyện.
N|other|Đài truyền thanh các xã đã phát [[1.100]] tin, bài tuyên truyền về chuyển đổi số.
N|other|Kinh tế số chiếm khoảng [[12%]] GRDP của tỉnh.

S|online_services|Tỷ lệ hồ sơ trực tuyến ở cấp xã chỉ đạt [[18%]], còn thấp so với chỉ tiêu.
S|one_stop_shop|Còn [[326]] hồ sơ thủ tục hành chính giải quyết trễ hạn.
S|digital_signature|Mới có [[40%]] lãnh đạo cấp xã sử dụng chữ ký số.
S|infrastructure|Còn [[23]] thôn chưa có cáp quang.
S|personnel|Chỉ có [[12/20]] xã bố trí công chức phụ trách công nghệ thông tin.
S|digital_society|Tỷ lệ người dân có tài khoản định danh điện tử mức độ 2 mới đạt [[38%]].
"""


def _number_fact(text: str, start: int, end: int, topic: str) -> dict:
    span = text[start:end]
    fact = {"start": start, "end": end, "text": span, "topic": topic}
    num = lambda s: float(s.replace(".", "").replace(",", ".")) if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s) \
        else float(s.replace(",", "."))
    if span.endswith("%"):
        fact.update(type="percentage", value=num(span[:-1].strip()), qualifier="exact")
    elif "/" in span:
        a, b = span.split("/")
        fact.update(type="ratio", numerator=num(a), denominator=num(b))
    elif span.endswith("đồng"):
        n, scale = span.split()[:2]
        fact.update(type="money", value=num(n) * {"tỷ": 1e9, "triệu": 1e6}[scale], currency="VND")
    else:
        parts = span.split()
        value = num(parts[0]) * ({"triệu": 1e6, "nghìn": 1e3}.get(parts[1], 1) if len(parts) > 1 else 1)
        fact.update(type="count", value=value)
    return {k: fact[k] for k in ("type", "start", "end", "text", "value", "qualifier", "numerator", "denominator",
                                 "currency", "topic") if k in fact}


def build(block_text: str, prefix: str) -> list:
    docs = []
    for n, block in enumerate(b for b in block_text.strip().split("\n\n") if b.strip()):
        text, facts = "", []
        for line in block.strip().splitlines():
            label, topic, sentence = line.split("|", 2)
            assert label in ("S", "N") and topic in TOPICS, line
            if text:
                text += "\n" if not sentence.endswith((".", "?")) or not text.endswith((".", "?")) else " "
            s0 = len(text)
            pieces = re.split(r"\[\[(.+?)\]\]", sentence)
            for i, piece in enumerate(pieces):
                if i % 2:
                    facts.append(_number_fact(text + piece, len(text), len(text) + len(piece), topic))
                text += piece
            if label == "S":
                facts.append({"type": "shortcoming", "start": s0, "end": len(text), "text": text[s0:],
                              "topic": topic})
        facts.sort(key=lambda f: (f["start"], f["end"]))
        docs.append({"id": f"{prefix}-{n:02d}", "text": text, "meta": {}, "facts": facts})
    return docs


def main() -> None:
    for name, block, prefix in (("hard_negatives.jsonl", HARD_NEGATIVES, "ann-hn"),
                                ("topics.jsonl", TOPIC_DOCS, "ann-tp")):
        docs = build(block, prefix)
        if not any(f["type"] == "shortcoming" for d in docs for f in d["facts"]):
            # a gold file without shortcoming facts cannot be a training file: add one labelled sentence
            raise SystemExit(f"{name}: needs at least one shortcoming sentence")
        with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as fh:
            for d in docs:
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
        print(f"{name}: {len(docs)} documents, {sum(len(d['facts']) for d in docs)} facts")


if __name__ == "__main__":
    main()
